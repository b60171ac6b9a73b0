-- Uploaded images and their renditions (src/content/images.rs). Every
-- rendition's bytes are a row in media, under a name that encodes the
-- upload's hash and the rendition's size ("{key}-{width}x{height}.jpg"), so
-- a page can write an image's srcset from the name of its largest rendition
-- alone. These tables record what was made: which renditions an image has,
-- how large it is, and the alt text and credit it was uploaded with.
--
-- uploaded_by is users.id (migration 0005), a plain integer rather than a
-- foreign key, so that removing an account keeps the images stories use;
-- NULL means an image imported by `herald story add`.

CREATE TABLE images (
    name        TEXT    PRIMARY KEY REFERENCES media (name), -- the largest rendition
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    alt         TEXT    NOT NULL,
    credit      TEXT,
    uploaded_by INTEGER,
    created_at  INTEGER NOT NULL
);

CREATE TABLE image_renditions (
    image_name TEXT    NOT NULL REFERENCES images (name) ON DELETE CASCADE,
    media_name TEXT    NOT NULL REFERENCES media (name),
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    PRIMARY KEY (image_name, width)
);
