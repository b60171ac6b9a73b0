//! Site search over HTTP (issue 17): `/search`, `/api/v1/search` and
//! `/opensearch.xml` on a real server, with the index the store keeps in
//! the transaction of every story write. Runs on SQLite, and on PostgreSQL
//! when `TEST_DATABASE_URL` is set.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{TestSite, TestStore, select_attr, select_text};
use herald::search::{SearchOutcome, SearchRequest};
use serde_json::{Value, json};

/// Saves a published story at `at` with this text and topics.
async fn story(
    site: &TestSite,
    slug: &str,
    (headline, standfirst, body): (&str, &str, &str),
    topics: &[&str],
    at: DateTime<Utc>,
) -> herald::store::SaveOutcome {
    let json = json!({
        "slug": slug,
        "headline": headline,
        "standfirst": standfirst,
        "body_markdown": body,
        "topics": topics,
        "authors": ["Ana Reporter"],
    });
    site.save(&json.to_string(), true, at).await
}

/// The slugs of the results of an API search, in order, and the total.
async fn api_search(site: &TestSite, query: &str) -> (Vec<String>, i64) {
    let response = site
        .get(&with_query("/api/v1/search", &[("q", query)]))
        .await;
    assert_eq!(response.status(), 200, "{query}");
    let body: Value = response.json().await.expect("json");
    let slugs = body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            r["url"]
                .as_str()
                .and_then(|u| u.rsplit('/').next())
                .expect("url")
                .to_owned()
        })
        .collect();
    (slugs, body["total"].as_i64().expect("total"))
}

async fn page(site: &TestSite, query: &[(&str, &str)]) -> (u16, String) {
    common::text_of(site.get(&with_query("/search", query)).await).await
}

/// `path?` and the pairs, form-encoded.
fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        query.append_pair(key, value);
    }
    format!("{path}?{}", query.finish())
}

#[tokio::test]
async fn stemming_finds_other_forms_and_quotes_find_phrases() {
    let site = TestSite::start().await;
    let now = Utc::now();
    let body = "The river was flooding the lower town.\n\nHeavy rain fell all night.";
    story(&site, "river", ("River rises", "", body), &["Weather"], now).await;
    let apart = "The rain was not heavy, said the mayor. Floods are rare here.";
    story(
        &site,
        "mayor",
        ("Mayor speaks", "", apart),
        &["Politics"],
        now,
    )
    .await;

    let (found, total) = api_search(&site, "floods").await;
    assert_eq!((total, found.len()), (2, 2), "{found:?}");
    let (found, _) = api_search(&site, "flooded").await;
    assert!(found.contains(&"river".to_owned()), "{found:?}");

    let (found, _) = api_search(&site, "heavy rain").await;
    assert_eq!(found.len(), 2, "words: both have them: {found:?}");
    let (found, _) = api_search(&site, "\"heavy rain\"").await;
    assert_eq!(found, ["river"], "the phrase: one has it");
    let (found, _) = api_search(&site, "\"rain heavy\"").await;
    assert!(found.is_empty(), "{found:?}");
}

#[tokio::test]
async fn the_headline_outranks_the_standfirst_which_outranks_the_body() {
    let site = TestSite::start().await;
    let now = Utc::now();
    let filler = "A long report on other matters, with many words about the council.";
    story(
        &site,
        "in-body",
        (
            "Council meets",
            "",
            &format!("{filler} A volcano was mentioned."),
        ),
        &[],
        now,
    )
    .await;
    story(
        &site,
        "in-headline",
        ("Volcano erupts", "", filler),
        &[],
        now,
    )
    .await;
    story(
        &site,
        "in-standfirst",
        ("Island news", "The volcano woke.", filler),
        &[],
        now,
    )
    .await;
    let (found, _) = api_search(&site, "volcano").await;
    assert_eq!(found, ["in-headline", "in-standfirst", "in-body"]);
}

#[tokio::test]
async fn of_two_equal_matches_the_newer_comes_first() {
    let site = TestSite::start().await;
    let now = Utc::now();
    let text = (
        "Harbour report",
        "Boats in the harbour.",
        "The harbour was busy.",
    );
    story(&site, "last-month", text, &[], now - Duration::days(30)).await;
    story(&site, "this-week", text, &[], now - Duration::days(3)).await;
    story(&site, "last-year", text, &[], now - Duration::days(365)).await;
    let (found, _) = api_search(&site, "harbour").await;
    assert_eq!(found, ["this-week", "last-month", "last-year"]);
}

#[tokio::test]
async fn snippets_mark_the_terms_and_escape_everything_else() {
    let site = TestSite::start().await;
    let body = "Sailors said <script>alert('x')</script> the **kraken** & friends were seen.";
    story(&site, "kraken", ("Sea monster", "", body), &[], Utc::now()).await;
    let (status, html) = page(&site, &[("q", "kraken")]).await;
    assert_eq!(status, 200);
    let snippet = html
        .split("<p class=\"search-snippet\">")
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
        .expect("a snippet");
    assert_eq!(
        snippet,
        "Sailors said &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; the <mark>kraken</mark> &amp; friends were seen."
    );
    assert!(select_text(&html, ".search-snippet script").is_empty());

    let body: Value = site
        .get("/api/v1/search?q=kraken")
        .await
        .json()
        .await
        .expect("json");
    let snippet = body["results"][0]["snippet"].as_str().expect("snippet");
    assert!(snippet.contains("<mark>kraken</mark>"), "{snippet}");
    assert!(snippet.contains("&lt;script&gt;"), "{snippet}");
}

/// A query of several words and a phrase: every term is marked in the
/// snippet. SQLite marks the phrase as one and not a word of it alone;
/// PostgreSQL's `ts_headline` marks each word of the query wherever it is.
#[tokio::test]
async fn snippets_mark_every_word_and_phrase_of_the_query() {
    let site = TestSite::start().await;
    let body = "Rain fell all week. Then heavy rain came, and the river flooded the lower town.";
    story(&site, "storm", ("Storm", "", body), &[], Utc::now()).await;
    let body: Value = site
        .get(&with_query(
            "/api/v1/search",
            &[("q", "\"heavy rain\" river flooding")],
        ))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(body["total"], 1, "{body}");
    let snippet = body["results"][0]["snippet"].as_str().expect("snippet");
    for marked in ["<mark>river</mark>", "<mark>flooded</mark>", "<mark>heavy"] {
        assert!(snippet.contains(marked), "{marked} in {snippet}");
    }
    if site.store.backend() == herald::store::Backend::Sqlite {
        assert_eq!(
            snippet,
            "Rain fell all week. Then <mark>heavy rain</mark> came, and the <mark>river</mark> \
             <mark>flooded</mark> the lower town."
        );
    }
}

#[tokio::test]
async fn drafts_scheduled_and_unpublished_stories_are_never_found() {
    let site = TestSite::start().await;
    let now = Utc::now();
    let draft = json!({"slug": "draft", "headline": "Zeppelin draft", "body_markdown": "Zeppelin.", "topics": []});
    site.save(&draft.to_string(), false, now).await;
    let later = (now + Duration::hours(2)).to_rfc3339();
    let scheduled = json!({"slug": "scheduled", "headline": "Zeppelin later", "body_markdown": "Zeppelin.",
        "topics": [], "published_at": later});
    site.save(&scheduled.to_string(), true, now).await;
    let gone = story(&site, "gone", ("Zeppelin gone", "", "Zeppelin."), &[], now).await;
    let (found, _) = api_search(&site, "zeppelin").await;
    assert_eq!(found, ["gone"], "only the published story");

    site.store
        .unpublish_story(gone.id, gone.version, None, Utc::now())
        .await
        .expect("unpublished");
    let (found, total) = api_search(&site, "zeppelin").await;
    assert_eq!((found.len(), total), (0, 0), "{found:?}");
    let (status, html) = page(&site, &[("q", "zeppelin")]).await;
    assert_eq!(status, 200);
    assert_eq!(
        select_text(&html, "#search-summary"),
        ["No stories match “zeppelin”."]
    );

    // When its time comes, the scheduled story is found.
    async fn found_at(store: &herald::store::Store, when: DateTime<Utc>) -> Vec<String> {
        let request = SearchRequest {
            query: "zeppelin",
            ..SearchRequest::default()
        };
        match herald::search::search(store, request, when)
            .await
            .expect("search")
        {
            SearchOutcome::Results(found) => {
                found.hits.iter().map(|h| h.story.slug.clone()).collect()
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(
        found_at(&site.store, now + Duration::hours(1))
            .await
            .is_empty()
    );
    assert_eq!(
        found_at(&site.store, now + Duration::hours(3)).await,
        ["scheduled"]
    );
}

/// Stories of every age are saved and found in order: an archive story
/// from before 1970, two published in the same second (the later saved
/// first), and a story scheduled past 2106, which SQLite's old index key
/// could not hold ("datatype mismatch": the story could not be saved).
#[tokio::test]
async fn stories_of_any_date_are_saved_and_the_newest_found_first() {
    let site = TestSite::start().await;
    let now = DateTime::from_timestamp(Utc::now().timestamp(), 0).expect("now");
    let text = ("Airship news", "", "An airship.");
    let at = |rfc3339: &str| {
        DateTime::parse_from_rfc3339(rfc3339)
            .expect("time")
            .to_utc()
    };
    story(&site, "archive-1950", text, &[], at("1950-06-01T12:00:00Z")).await;
    story(&site, "first-1900", text, &[], at("1900-01-01T00:00:00Z")).await;
    story(&site, "before-1900", text, &[], at("1899-12-31T23:59:59Z")).await;
    story(&site, "same-second-saved-first", text, &[], now).await;
    story(&site, "same-second-saved-last", text, &[], now).await;
    let far = json!({"slug": "year-2200", "headline": "Airship news", "body_markdown": "An airship.",
        "topics": [], "published_at": "2200-01-01T00:00:00Z"});
    site.save(&far.to_string(), true, now).await;
    let (found, total) = api_search(&site, "airship").await;
    let expected = [
        "same-second-saved-last",
        "same-second-saved-first",
        "archive-1950",
        "first-1900",
    ];
    match site.store.backend() {
        // The index's key holds 1900 to 2172: older stories are not found.
        herald::store::Backend::Sqlite => {
            assert_eq!((found, total), (expected.map(String::from).to_vec(), 4))
        }
        herald::store::Backend::Postgres => {
            assert_eq!(found[..4], expected, "{found:?}");
            assert_eq!((&found[4], total), (&"before-1900".to_owned(), 5));
        }
    }
}

#[tokio::test]
async fn an_edit_is_searchable_at_once_and_the_old_text_is_gone() {
    let site = TestSite::start().await;
    let first = story(
        &site,
        "edited",
        ("Ferry delayed", "", "The ferry is late."),
        &[],
        Utc::now(),
    )
    .await;
    assert_eq!(api_search(&site, "ferry").await.1, 1);
    let edited = json!({"slug": "edited", "headline": "Hovercraft delayed",
        "body_markdown": "The hovercraft is late.", "topics": []});
    let second = site.save(&edited.to_string(), true, Utc::now()).await;
    assert_eq!((second.id, second.created), (first.id, false));
    // No wait for the page cache: search pages are never cached.
    assert_eq!(api_search(&site, "ferry").await.1, 0);
    let (status, html) = page(&site, &[("q", "hovercraft")]).await;
    assert_eq!(status, 200);
    assert_eq!(
        select_text(&html, ".search-result h2"),
        ["Hovercraft delayed"]
    );
}

#[tokio::test]
async fn a_topic_narrows_the_search() {
    let site = TestSite::start().await;
    let now = Utc::now();
    story(
        &site,
        "sci",
        ("Comet seen", "", "A comet."),
        &["Science"],
        now,
    )
    .await;
    story(
        &site,
        "pol",
        ("Comet tax", "", "A comet."),
        &["Politics"],
        now,
    )
    .await;
    let (status, html) = page(&site, &[("q", "comet"), ("topic", "science")]).await;
    assert_eq!(status, 200);
    assert_eq!(select_text(&html, ".search-result h2"), ["Comet seen"]);
    assert_eq!(
        select_attr(&html, ".search-summary a", "href"),
        ["/topics/science", "/search?q=comet"]
    );
    let body: Value = site
        .get("/api/v1/search?q=comet&topic=politics")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(body["total"], 1);
    assert_eq!(body["results"][0]["topics"][0]["slug"], "politics");
    for topic in ["nowhere", "Not A Slug", "../x"] {
        let (status, html) = page(&site, &[("q", "comet"), ("topic", topic)]).await;
        assert_eq!(status, 400, "{topic}");
        assert!(html.contains("There is no topic"), "{html}");
    }
}

#[tokio::test]
async fn results_come_ten_a_page_with_the_total() {
    let site = TestSite::start().await;
    let now = Utc::now();
    for n in 0..23 {
        let body = format!("Gazette item number {n}.");
        story(
            &site,
            &format!("item-{n}"),
            (&format!("Item {n}"), "", &body),
            &[],
            now - Duration::minutes(n),
        )
        .await;
    }
    let (status, html) = page(&site, &[("q", "gazette")]).await;
    assert_eq!(status, 200);
    assert_eq!(select_text(&html, ".search-result").len(), 10);
    // Results stay out of search engines.
    assert_eq!(
        select_attr(&html, "meta[name=robots]", "content"),
        ["noindex"]
    );
    assert_eq!(
        select_text(&html, "#search-summary"),
        ["23 stories match. Page 1 of 3."]
    );
    assert_eq!(
        select_attr(&html, ".pager a[rel=next]", "href"),
        ["/search?q=gazette&page=2"]
    );

    let (_, html) = page(&site, &[("q", "gazette"), ("page", "3")]).await;
    assert_eq!(select_text(&html, ".search-result").len(), 3);
    assert_eq!(
        select_attr(&html, ".pager a[rel=prev]", "href"),
        ["/search?q=gazette&page=2"]
    );
    // Every story once over the three pages, newest first (equal text).
    let mut seen = Vec::new();
    for n in 1..=3 {
        let body: Value = site
            .get(&format!("/api/v1/search?q=gazette&page={n}"))
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(
            (body["total"].as_i64(), body["pages"].as_i64()),
            (Some(23), Some(3))
        );
        for r in body["results"].as_array().expect("results") {
            seen.push(r["headline"].as_str().expect("headline").to_owned());
        }
    }
    let expected: Vec<String> = (0..23).map(|n| format!("Item {n}")).collect();
    assert_eq!(seen, expected);

    let (status, html) = page(&site, &[("q", "gazette"), ("page", "4")]).await;
    assert_eq!(status, 200);
    assert_eq!(
        select_text(&html, "#search-summary"),
        ["No more results: 23 stories match on 3 pages."]
    );
    for bad in ["0", "abc", "-2", "51", "1e3"] {
        let (status, html) = page(&site, &[("q", "gazette"), ("page", bad)]).await;
        assert_eq!(status, 400, "{bad}");
        assert!(html.contains("page number"), "{html}");
    }
}

#[tokio::test]
async fn an_empty_search_asks_for_words() {
    let site = TestSite::start().await;
    for query in [vec![], vec![("q", "")], vec![("q", "   ")]] {
        let (status, html) = page(&site, &query).await;
        assert_eq!(status, 200);
        assert_eq!(select_text(&html, "h1"), ["Search"]);
        assert_eq!(
            select_text(&html, "#search-summary"),
            ["Type something to search."]
        );
        // The bare form is a page like any other, for search engines too.
        assert!(select_attr(&html, "meta[name=robots]", "content").is_empty());
    }
    let body: Value = site
        .get("/api/v1/search?q=")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        body,
        json!({"total": 0, "total_exact": true, "page": 1, "pages": 1, "results": []})
    );
}

#[tokio::test]
async fn hostile_and_malformed_queries_get_an_answer_never_a_500() {
    let site = TestSite::start().await;
    story(
        &site,
        "near",
        (
            "Near the border",
            "",
            "AND then NOT OR near (it) \"quoted\" - * ^",
        ),
        &[],
        Utc::now(),
    )
    .await;
    let long = "x".repeat(201);
    let many = (0..30)
        .map(|n| format!("w{n}"))
        .collect::<Vec<_>>()
        .join(" ");
    let hostile = [
        "\"",
        "\"\"",
        "\"\"\"",
        "AND (",
        "*",
        "NEAR",
        "-",
        "- border",
        "border*",
        "NEAR(border near, 2)",
        "headline:border",
        "{headline}: border",
        "^border",
        "border OR",
        "(",
        ")",
        "'",
        "';--",
        "'); DROP TABLE stories; --",
        "\\",
        "\\\"",
        "%",
        "%%",
        "&",
        "<script>alert(1)</script>",
        "\u{0}",
        "\u{E000}border\u{E001}",
        "💥",
        "a\u{301}",
        "border\"AND\"near",
        "NOT border",
        "border NOT",
        ":",
        "+",
        "col:",
        "…",
        "\t\n",
        &long,
        &many,
        "near \"the border",
    ];
    for query in hostile {
        let (status, html) = page(&site, &[("q", query)]).await;
        assert!(status == 200 || status == 400, "{query:?} gave {status}");
        assert!(!html.contains("Something went wrong"), "{query:?}");
        let response = site
            .get(&with_query("/api/v1/search", &[("q", query)]))
            .await;
        let status = response.status().as_u16();
        assert!(
            status == 200 || status == 400,
            "API: {query:?} gave {status}"
        );
        let body: Value = response.json().await.expect("json");
        if status == 400 {
            assert_eq!(body["error"]["code"], "invalid_query", "{query:?}");
        }
    }
    // Operators are words: "near" and "border" are found as words.
    assert_eq!(api_search(&site, "NEAR(border near)").await.0, ["near"]);
    let (status, html) = page(&site, &[("q", &long)]).await;
    assert_eq!(status, 400);
    assert!(html.contains("201 characters"), "{html}");
    let (status, html) = page(&site, &[("q", "*** ()")]).await;
    assert_eq!(status, 200);
    assert!(html.contains("has no words to look for"), "{html}");
}

#[tokio::test]
async fn the_api_answers_the_documented_shape() {
    let site = TestSite::start().await;
    let at = Utc::now() - Duration::hours(1);
    story(
        &site,
        "tides",
        ("Spring tides", "Higher than usual.", "The tides rose."),
        &["Science", "Weather"],
        at,
    )
    .await;
    let response = site.get("/api/v1/search?q=tides").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "public, max-age=60");
    let body: Value = response.json().await.expect("json");
    let result = &body["results"][0];
    let mut keys: Vec<&str> = result
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "headline",
            "published_at",
            "snippet",
            "standfirst",
            "topics",
            "url"
        ]
    );
    assert_eq!(result["url"], format!("{}/stories/tides", site.base));
    assert_eq!(result["headline"], "Spring tides");
    assert_eq!(result["standfirst"], "Higher than usual.");
    assert_eq!(
        result["published_at"],
        at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    assert_eq!(result["topics"][1]["name"], "Weather");
    assert_eq!(result["snippet"], "The <mark>tides</mark> rose.");
    assert_eq!(
        (
            body["total"].as_i64(),
            body["page"].as_i64(),
            body["pages"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(body["total_exact"], true);

    let body: Value = site
        .get("/api/v1/search?q=tides&page=x")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(body["error"]["code"], "invalid_query");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .starts_with("page:"),
        "{body}"
    );

    let openapi: Value = site
        .get("/api/v1/openapi.json")
        .await
        .json()
        .await
        .expect("json");
    let documented = &openapi["paths"]["/api/v1/search"]["get"];
    assert_eq!(documented["operationId"], "searchStories");
    let names: Vec<&str> = documented["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, ["q", "topic", "page"]);
}

#[tokio::test]
async fn every_page_offers_search_and_the_opensearch_description() {
    let site = TestSite::start().await;
    story(
        &site,
        "one",
        ("One story", "", "Text."),
        &["Science"],
        Utc::now(),
    )
    .await;
    site.settle().await;
    for path in [
        "/",
        "/stories/one",
        "/topics/science",
        "/topics",
        "/search?q=one",
        "/no-such-page",
    ] {
        let (_, html) = site.text(path).await;
        assert_eq!(
            select_attr(&html, "form[role=search]", "action"),
            ["/search"],
            "{path}"
        );
        assert_eq!(
            select_attr(&html, "form[role=search]", "method"),
            ["get"],
            "{path}"
        );
        assert_eq!(
            select_attr(&html, "form[role=search] input[name=q]", "id"),
            ["site-search-q"],
            "{path}"
        );
        assert_eq!(
            select_text(&html, "label[for=site-search-q]"),
            ["Search stories"],
            "{path}"
        );
        assert_eq!(
            select_attr(&html, "link[rel=search]", "href"),
            ["/opensearch.xml"],
            "{path}"
        );
    }
    let (_, html) = site.text("/search?q=one").await;
    assert_eq!(select_attr(&html, "#site-search-q", "value"), ["one"]);

    let response = site.get("/opensearch.xml").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/opensearchdescription+xml"
    );
    let xml = response.text().await.expect("body");
    assert!(
        xml.contains(&format!(
            "template=\"{}/search?q={{searchTerms}}\"",
            site.base
        )),
        "{xml}"
    );

    let (_, sitemap) = site.text("/sitemap.xml").await;
    assert!(!sitemap.contains("/search"), "{sitemap}");
}

#[tokio::test]
async fn a_repeated_search_page_is_not_modified() {
    let site = TestSite::start().await;
    story(&site, "etag", ("Tagged", "", "Text."), &[], Utc::now()).await;
    let first = site.get("/search?q=tagged").await;
    let etag = first.headers()["etag"].to_str().expect("etag").to_owned();
    let again = site
        .client
        .get(format!("{}/search?q=tagged", site.base))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("request");
    assert_eq!(again.status(), 304);
}

/// Stories written before migrations 13 and 23 are indexed by them, with
/// their topics.
#[tokio::test]
async fn the_migration_indexes_existing_stories() {
    let test = TestStore::open().await;
    let store = &test.store;
    let draft = herald::content::input::parse_story_json(
        &json!({"slug": "old", "headline": "Lighthouse keeper", "body_markdown": "Lighthouses.", "topics": ["Coast"]})
            .to_string(),
    )
    .and_then(|i| i.validate())
    .expect("valid");
    let now = Utc::now();
    herald::editorial::import_story(store, &draft, None, true, false, now)
        .await
        .expect("saved");
    // A draft and a story scheduled for tomorrow, with the same words:
    // never found, before or after the migrations.
    for (slug, when) in [
        ("unsaid", None),
        ("tomorrow", Some(now + Duration::days(1))),
    ] {
        let mut hidden = draft.clone();
        hidden.slug = slug.to_owned();
        hidden.published_at = when;
        herald::editorial::import_story(store, &hidden, None, when.is_some(), false, now)
            .await
            .expect("saved");
    }
    // Back to before migration 13 (and 23 to 25, which remade the index),
    // with the story in place.
    let undo = match store.backend() {
        herald::store::Backend::Sqlite => {
            "DROP TRIGGER story_search_after_insert; DROP TRIGGER story_search_after_update;
             DROP TRIGGER story_search_after_delete; DROP TABLE story_search;
             DROP TRIGGER story_search_topics_after_insert;
             DROP TRIGGER story_search_topics_after_delete;
             DROP TRIGGER story_search_topics_after_update;
             ALTER TABLE stories DROP COLUMN search_topics;
             DROP INDEX stories_by_search_key; ALTER TABLE stories DROP COLUMN search_key;
             DELETE FROM herald_migrations WHERE version IN (13, 23, 24, 25)"
        }
        herald::store::Backend::Postgres => {
            "DROP TRIGGER story_search_document ON stories;
             DROP FUNCTION herald_story_search_document(); DROP FUNCTION herald_search_document;
             ALTER TABLE stories DROP COLUMN search_document;
             ALTER TABLE site_state DROP COLUMN search_config;
             DELETE FROM herald_migrations WHERE version IN (13, 23, 24, 25)"
        }
    };
    store.close().await;
    raw_sql(&test, undo).await;
    let reopened = match &test.database {
        Some(db) => herald::store::Store::connect(db.url(), 2)
            .await
            .expect("reopened"),
        None => herald::store::Store::open_data_folder(test.data.path())
            .await
            .expect("reopened"),
    };
    reopened
        .use_search_language("english")
        .await
        .expect("language");
    let terms = herald::search::parse_query("lighthouse").expect("terms");
    let topic = reopened
        .topic_by_slug("coast", now)
        .await
        .expect("topic")
        .expect("the story's topic");
    // Found without a topic, in its topic, and not in another.
    for (topic_id, expected) in [(None, 1), (Some(topic.id), 1), (Some(topic.id + 1000), 0)] {
        let found = reopened
            .search_stories(&herald::store::SearchParams {
                terms: &terms,
                topic_id,
                now,
                limit: 10,
                offset: 0,
                recency_seconds: 86_400.0,
                count_limit: 1000,
            })
            .await
            .expect("search");
        assert_eq!(found.total, expected, "topic {topic_id:?}");
        if expected == 1 {
            assert_eq!(found.hits[0].story.slug, "old");
        }
    }
}

/// Runs `sql` on a test store's database, on a connection of its own.
async fn raw_sql(test: &TestStore, sql: &str) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let url = match &test.database {
        Some(db) => db.url().to_owned(),
        None => format!("sqlite://{}", test.data.path().join("herald.db").display()),
    };
    let mut conn = sqlx::AnyConnection::connect(&url).await.expect("connect");
    sqlx::raw_sql(sql)
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let _ = conn.close().await;
}

/// 3,000 stories written with SQL (indexed by the triggers), in one
/// transaction: "tide" in a tenth of the headlines, a fifth of the
/// standfirsts and 0 to 3 times in bodies of 20 to 220 words, published
/// over three years: far more matches than the first pages need.
fn tide_stories_sql(now: i64) -> String {
    let mut seed: u64 = 17;
    let mut next = |n: u64| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 33) % n
    };
    let mut sql = String::from("BEGIN;");
    for i in 0..3000 {
        let headline = match next(10) {
            0 => "Tide tables",
            1 => "Tide and tide",
            _ => "Other news",
        };
        let standfirst = if next(5) == 0 { "The tide turns." } else { "" };
        let tides = "tide ".repeat(next(4) as usize);
        let filler = "word ".repeat(20 + next(200) as usize);
        let at = now - next(3 * 365 * 86_400) as i64;
        sql.push_str(&format!(
            "INSERT INTO stories (slug, headline, standfirst, body_markdown, published_at,
                created_at, modified_at) VALUES ('s{i}', '{headline}', '{standfirst}',
                '{filler} {tides} end', {at}, {at}, {at});"
        ));
    }
    sql.push_str("COMMIT;");
    sql
}

/// Searches "tide" for pages 1, 2, 8 and 50 and checks each is exactly
/// that page of `reference`: every match as (rank, published_at, id),
/// ranked by hand.
async fn assert_pages_are_those_of_ranking_every_match(
    store: &herald::store::Store,
    mut reference: Vec<(f64, i64, i64)>,
    now: i64,
    recency: f64,
) {
    assert!(reference.len() > 2000, "{} matches", reference.len());
    reference.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)).then(b.2.cmp(&a.2)));
    let terms = herald::search::parse_query("tide").expect("terms");
    for page in [0, 1, 7, 49] {
        let found = store
            .search_stories(&herald::store::SearchParams {
                terms: &terms,
                topic_id: None,
                now: DateTime::from_timestamp(now, 0).expect("now"),
                limit: 10,
                offset: page * 10,
                recency_seconds: recency,
                count_limit: 1000,
            })
            .await
            .expect("search");
        // More than 1,000 match: counting stops there.
        assert_eq!((found.total, found.total_exact), (1000, false));
        let ids: Vec<i64> = found.hits.iter().map(|h| h.story.id).collect();
        let expected: Vec<i64> = reference
            .iter()
            .skip(page as usize * 10)
            .take(10)
            .map(|r| r.2)
            .collect();
        assert_eq!(ids, expected, "page {}", page + 1);
    }
}

/// On SQLite, ranking reads matches newest first and stops when no older
/// one can rank higher (the ceiling read from bm25 itself): the pages must
/// be exactly those of ranking every match with the same bm25 and age
/// divisor.
#[tokio::test]
async fn sqlite_ranking_stops_early_yet_gives_the_pages_of_ranking_every_match() {
    let data = tempfile::tempdir().expect("temp dir");
    let store = herald::store::Store::open_data_folder(data.path())
        .await
        .expect("store");
    let now = Utc::now().timestamp();
    let test = TestStore {
        store: store.clone(),
        data,
        database: None,
    };
    raw_sql(&test, &tide_stories_sql(now)).await;
    let recency = 90.0 * 86_400.0;
    let reference: Vec<(f64, i64, i64)> = {
        use sqlx::Connection;
        let url = format!("sqlite://{}", test.data.path().join("herald.db").display());
        let mut conn = sqlx::AnyConnection::connect(&url).await.expect("connect");
        // Every match, whatever its key; the story's time and id from its row.
        let rows: Vec<(i64, f64)> = sqlx::query_as(
            "SELECT rowid, bm25(story_search, 10.0, 4.0, 1.0, 0.0) FROM story_search
             WHERE story_search MATCH '\"tide\"'",
        )
        .fetch_all(&mut conn)
        .await
        .expect("every match");
        let stories: std::collections::HashMap<i64, (i64, i64)> =
            sqlx::query_as::<_, (i64, i64, i64)>(
                "SELECT search_key, published_at, id FROM stories",
            )
            .fetch_all(&mut conn)
            .await
            .expect("stories")
            .into_iter()
            .map(|(key, published, id)| (key, (published, id)))
            .collect();
        rows.into_iter()
            .map(|(key, bm25)| {
                let (published, id) = stories[&key];
                let divisor = 1.0 + (now - published).max(0) as f64 / recency;
                (-bm25 / divisor, published, id)
            })
            .filter(|(_, published, _)| *published <= now)
            .collect()
    };
    assert_pages_are_those_of_ranking_every_match(&store, reference, now, recency).await;
}

/// On SQLite, the triggers that rewrite a story's topic tokens read that
/// story's topics through the primary key, never the whole of
/// story_topics: a scan per topic change grew with the site (migration 24;
/// loading 100,000 stories took over 20 minutes). Each trigger's statement
/// is planned with its `new.`/`old.` references as values.
#[tokio::test]
async fn sqlite_topic_triggers_read_only_the_storys_own_topics() {
    let site = TestSite::start().await;
    if site.store.backend() != herald::store::Backend::Sqlite {
        return;
    }
    use sqlx::{Connection, Row};
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", site.data.path().join("herald.db").display());
    let mut conn = sqlx::AnyConnection::connect(&url).await.expect("connect");
    let triggers = sqlx::query(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'story_topics'",
    )
    .fetch_all(&mut conn)
    .await
    .expect("triggers");
    assert_eq!(triggers.len(), 3, "insert, update and delete");
    for trigger in triggers {
        let name: String = trigger.get(0);
        let sql: String = trigger.get(1);
        let body = sql
            .split_once(" BEGIN")
            .and_then(|(_, rest)| rest.rsplit_once("END"))
            .map(|(statement, _)| statement.trim().trim_end_matches(';'))
            .expect("one statement between BEGIN and END")
            .replace("new.story_id", "1")
            .replace("old.story_id", "1");
        let plan: Vec<String> = sqlx::query(&format!("EXPLAIN QUERY PLAN {body}"))
            .fetch_all(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .iter()
            .map(|step| step.get::<String, _>(3))
            .collect();
        assert!(
            plan.iter()
                .any(|step| step.starts_with("SEARCH story_topics")),
            "{name}: {plan:?}"
        );
        assert!(
            !plan.iter().any(|step| step.contains("SCAN story_topics")),
            "{name} reads every story's topics: {plan:?}"
        );
    }
    let _ = conn.close().await;
}

/// A search in a topic reads the story's topics as they are now: a story
/// moved to another topic is found in the new one and not the old one at
/// once (on SQLite the topics are tokens of the index, rewritten in the
/// story's transaction), a renamed topic keeps its stories, and a story
/// or topic deleted leaves the index whole.
#[tokio::test]
async fn the_topic_filter_follows_a_story_that_changes_topics() {
    let site = TestSite::start().await;
    let now = Utc::now();
    let text = ("Glacier retreats", "", "The glacier shrank again.");
    let first = story(&site, "glacier", text, &["Science", "World"], now).await;
    story(
        &site,
        "other",
        ("Glacier tours", "", "Glacier."),
        &["Travel"],
        now,
    )
    .await;
    let in_topic = |topic: &'static str| {
        let site = &site;
        async move {
            let body: Value = site
                .get(&with_query(
                    "/api/v1/search",
                    &[("q", "glacier"), ("topic", topic)],
                ))
                .await
                .json()
                .await
                .expect("json");
            body["results"]
                .as_array()
                .expect("results")
                .iter()
                .map(|r| r["headline"].as_str().expect("headline").to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(in_topic("science").await, ["Glacier retreats"]);
    assert_eq!(in_topic("world").await, ["Glacier retreats"]);
    assert_eq!(in_topic("travel").await, ["Glacier tours"]);

    // Moved: from Science and World to Politics, in one save.
    let moved = story(&site, "glacier", text, &["Politics"], now).await;
    assert_eq!((moved.id, moved.created), (first.id, false));
    assert!(in_topic("science").await.is_empty());
    assert!(in_topic("world").await.is_empty());
    assert_eq!(in_topic("politics").await, ["Glacier retreats"]);
    common::assert_search_index_intact(&site.store, site.data.path()).await;

    // Renamed: the slug and the stories stay.
    site.store
        .update_topic("politics", Some("Government"), None, now)
        .await
        .expect("renamed")
        .expect("the topic");
    assert_eq!(in_topic("politics").await, ["Glacier retreats"]);

    // Unpublished and deleted stories leave the index whole.
    site.store
        .unpublish_story(moved.id, moved.version, None, Utc::now())
        .await
        .expect("unpublished");
    assert!(in_topic("politics").await.is_empty());
    assert_eq!(in_topic("travel").await, ["Glacier tours"]);
    common::assert_search_index_intact(&site.store, site.data.path()).await;
}

/// 1,001 stories, one a second back from `now`: story i has "beacon"; "lantern"
/// below i = 1000 (1,000 stories), "lamp" at 1000 (one); "quay" below
/// i = 10 (a page's worth exactly), in place of "and", so that every body
/// is as long and "beacon" ranks all of them alike.
fn beacon_stories_sql(now: i64) -> String {
    format!(
        "INSERT INTO stories (slug, headline, standfirst, body_markdown, published_at,
            created_at, modified_at)
         SELECT 'b' || i, 'Beacon ' || i, '',
                CASE WHEN i < 10 THEN 'A beacon quay a lantern.'
                     WHEN i < 1000 THEN 'A beacon and a lantern.'
                     ELSE 'A beacon and a lamp.' END,
                {now} - i, {now} - i, {now} - i
         FROM (WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
               SELECT i FROM n) AS numbers"
    )
}

/// Page `page` of a reader's search for `query` at `at`.
async fn search_page(
    store: &herald::store::Store,
    query: &str,
    page: &str,
    at: DateTime<Utc>,
) -> herald::search::SearchPage {
    let request = SearchRequest {
        query,
        page: Some(page),
        ..SearchRequest::default()
    };
    match herald::search::search(store, request, at)
        .await
        .expect("search")
    {
        SearchOutcome::Results(found) => found,
        other => panic!("{other:?}"),
    }
}

/// The headlines of a page of results, in order.
fn headlines(found: &herald::search::SearchPage) -> Vec<String> {
    found
        .hits
        .iter()
        .map(|h| h.story.headline.clone())
        .collect()
}

/// The totals and first pages of the beacon stories' searches, as
/// (total, exact, pages, first headlines).
async fn beacon_searches(
    store: &herald::store::Store,
    at: DateTime<Utc>,
) -> Vec<(i64, bool, i64, Vec<String>)> {
    let mut seen = Vec::new();
    for query in ["beacon", "lantern", "quay", "lamp"] {
        let found = search_page(store, query, "1", at).await;
        seen.push((
            found.total,
            found.total_exact,
            found.pages,
            headlines(&found),
        ));
    }
    seen
}

/// Counting stops past 1,000 matches: the total is then 1,000 and not
/// exact, the pages are all there (50 of them), and a search with fewer
/// matches is counted exactly. 1,001 stories, written with SQL (indexed
/// by the triggers), on both backends.
#[tokio::test]
async fn the_total_is_counted_up_to_a_thousand() {
    let test = TestStore::open().await;
    let now = Utc::now().timestamp();
    raw_sql(&test, &beacon_stories_sql(now)).await;
    let at = DateTime::from_timestamp(now, 0).expect("now");
    let found = search_page(&test.store, "beacon", "1", at).await;
    assert_eq!(
        (found.total, found.total_exact, found.pages),
        (1000, false, 50)
    );
    // Equal text: newest first, on the first page as on the last.
    assert_eq!(headlines(&found)[..2], ["Beacon 0", "Beacon 1"]);
    let last = search_page(&test.store, "beacon", "50", at).await;
    assert_eq!(headlines(&last).len(), 10);
    assert_eq!(headlines(&last)[0], "Beacon 490");
    let found = search_page(&test.store, "lantern", "1", at).await;
    assert_eq!((found.total, found.total_exact), (1000, true));
    // Exactly a page of matches, and a single one.
    let found = search_page(&test.store, "quay", "1", at).await;
    assert_eq!((found.total, found.total_exact, found.pages), (10, true, 1));
    assert_eq!(headlines(&found).len(), 10);
    let found = search_page(&test.store, "lamp", "1", at).await;
    assert_eq!(headlines(&found), ["Beacon 1000"]);
}

/// On SQLite the total is counted on a second search connection beside
/// the ranking: with a pool of one connection the count waits for the
/// ranking's (never for itself), and with the default pool sixteen
/// searches at once all get what one search alone gets.
#[tokio::test]
async fn sqlite_searches_count_right_on_one_connection_and_many_at_once() {
    let now = Utc::now().timestamp();
    let at = DateTime::from_timestamp(now, 0).expect("now");
    let data = tempfile::tempdir().expect("temp dir");
    let single = herald::store::Store::open_with_pool(data.path(), None, Some(1))
        .await
        .expect("store");
    let test = TestStore {
        store: single.clone(),
        data,
        database: None,
    };
    raw_sql(&test, &beacon_stories_sql(now)).await;
    let alone = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        beacon_searches(&single, at),
    )
    .await
    .expect("one connection is enough");
    assert_eq!(
        alone
            .iter()
            .map(|(total, exact, pages, _)| (*total, *exact, *pages))
            .collect::<Vec<_>>(),
        [
            (1000, false, 50),
            (1000, true, 50),
            (10, true, 1),
            (1, true, 1)
        ]
    );
    single.close().await;
    let pooled = herald::store::Store::open(test.data.path(), None)
        .await
        .expect("store");
    let many = futures_util::future::join_all((0..16).map(|_| beacon_searches(&pooled, at))).await;
    for seen in many {
        assert_eq!(seen, alone);
    }
}

/// On PostgreSQL, with more than 1,000 matches (counting stopped), the
/// pages are exactly those of ranking every match with ts_rank and the age
/// divisor. Runs when `TEST_DATABASE_URL` is set.
#[tokio::test]
async fn postgres_pages_past_the_count_limit_are_those_of_ranking_every_match() {
    let test = TestStore::open().await;
    if test.store.backend() != herald::store::Backend::Postgres {
        return;
    }
    let now = Utc::now().timestamp();
    raw_sql(&test, &tide_stories_sql(now)).await;
    let recency = 90.0 * 86_400.0;
    let reference: Vec<(f64, i64, i64)> = {
        use sqlx::Connection;
        let url = test.database.as_ref().expect("postgres").url().to_owned();
        let mut conn = sqlx::AnyConnection::connect(&url).await.expect("connect");
        let rows: Vec<(i64, i64, f64)> = sqlx::query_as(
            "SELECT id, published_at, ts_rank(search_document,
                 plainto_tsquery((SELECT search_config::regconfig FROM site_state), 'tide'))::float8
             FROM stories WHERE published_at <= $1 AND search_document @@
                 plainto_tsquery((SELECT search_config::regconfig FROM site_state), 'tide')",
        )
        .bind(now)
        .fetch_all(&mut conn)
        .await
        .expect("every match");
        rows.into_iter()
            .map(|(id, published, rank)| {
                let divisor = 1.0 + (now - published).max(0) as f64 / recency;
                (rank / divisor, published, id)
            })
            .collect()
    };
    assert_pages_are_those_of_ranking_every_match(&test.store, reference, now, recency).await;
}
