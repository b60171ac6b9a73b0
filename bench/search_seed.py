#!/usr/bin/env python3
"""Generates the stories of bench/search.sh, the same on every run (seeded).

    search_seed.py COUNT OUT.tsv

Writes one story per line, tab-separated, in the columns Herald's store
writes for an imported, published story (see Store::save_story):
slug, headline, standfirst, body_markdown, published_at, topic slug.
No tab or newline inside a value: paragraphs are joined with the two
characters backslash and n, which the loaders turn into real newlines.

The text is English-like: words drawn with a Zipf-like law from a
vocabulary of common news words (which the stemmers fold: "flooding",
"floods", "flooded") followed by a long tail of made-up place and family
names, so that a query word may match most stories, a few percent, or a
handful. Publication times spread over the three years before now.
"""

import random
import sys
import time

NEWS_WORDS = """
the of and to in a is that for on was with he it as at by said from his an be has have are
were but not this they which had who their been will one its all would also there new more
after year years people government minister police city council court first two last report
week today could over about than when into other time president country world state public
national party election vote voters campaign health hospital doctors patients school schools
students teachers university money budget tax taxes economy prices inflation bank banks rates
market markets jobs workers strike union energy power climate weather storm storms rain flood
flooding floods flooded river rivers water drought heat wildfire fire fires winter summer
spring autumn science research scientists study space moon rocket satellite planet ocean sea
coast island islands mountain forest farmers crops food transport rail trains train bus roads
traffic airport flights ship ships port harbour bridge housing homes rent prices building
construction plan plans law laws bill parliament senate judge trial prison crime crimes
officers investigation victims family families children women men community local region
regional village town towns district mayor leader leaders talks deal agreement peace war army
military troops border refugees aid crisis emergency protest protests protesters rally march
police arrest arrested charges company companies business profits sales shares technology
software data internet phone phones app computer artificial intelligence digital online
football match team teams season league cup final coach players player goal goals win won
record festival music film art museum theatre book books culture history church election
results count poll polls debate candidate candidates opposition coalition reform reforms
""".split()

SYLLABLES = """ka lo mi ner sto vel ar bri dun fen gal hol ist jor kel lan mor nap ost pel
quin ros sel tam ulv var wen yst zor ber cal dor eld fir gor han""".split()

TOPICS = ["politics", "science", "weather", "business", "sport", "culture", "world", "health"]


def made_up_names(rng, count):
    names = set()
    while len(names) < count:
        names.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))))
    return sorted(names)


def main():
    count, out = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(17)
    vocabulary = NEWS_WORDS + made_up_names(rng, 20000)
    # Zipf-like weights: the n-th word is drawn in proportion to 1 / (n + 5).
    weights = [1.0 / (n + 5) for n in range(len(vocabulary))]
    cumulative = []
    total = 0.0
    for w in weights:
        total += w
        cumulative.append(total)

    def words(n):
        return rng.choices(vocabulary, cum_weights=cumulative, k=n)

    def sentence(n):
        w = words(n)
        return " ".join(w).capitalize() + "."

    now = int(time.time()) - 60
    three_years = 3 * 365 * 86_400
    with open(out, "w", encoding="utf-8") as f:
        for i in range(count):
            headline = " ".join(words(rng.randint(6, 10))).capitalize()
            standfirst = sentence(rng.randint(15, 25))
            paragraphs = [
                " ".join(sentence(rng.randint(8, 20)) for _ in range(rng.randint(2, 4)))
                for _ in range(rng.randint(3, 6))
            ]
            body = "\\n\\n".join(paragraphs)
            published_at = now - rng.randint(0, three_years)
            topic = rng.choice(TOPICS)
            f.write(f"bench-{i}\t{headline}\t{standfirst}\t{body}\t{published_at}\t{topic}\n")


if __name__ == "__main__":
    main()
