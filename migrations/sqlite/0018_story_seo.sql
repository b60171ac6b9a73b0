-- A story's search and social fields (issue 16): what search engines and
-- social posts show instead of the headline, the standfirst and the
-- featured image. NULL means "not set": the page falls back to those.
ALTER TABLE stories ADD COLUMN seo_title TEXT;
ALTER TABLE stories ADD COLUMN seo_description TEXT;
ALTER TABLE stories ADD COLUMN seo_image TEXT; -- an absolute http(s) URL or a /media/ path
