-- Where OmenDB deliberately differs from PostgreSQL (docs/sql.md): what it
-- does not support is refused with SQLSTATE 0A000 (feature_not_supported),
-- and the session goes on. PostgreSQL would run most of these, so unlike
-- the other scripts this expected output is OmenDB's; VERBOSITY sqlstate
-- shows the SQLSTATE alone, since the messages are OmenDB's own wording.
\set VERBOSITY sqlstate
CREATE EXTENSION vector;
CREATE TABLE items (id bigint PRIMARY KEY, category integer, embedding vector(3));
INSERT INTO items VALUES (1, 1, '[1,2,3]'), (2, 2, '[4,5,6]');
CREATE VIEW v AS SELECT id FROM items;
WITH w AS (SELECT id FROM items) SELECT id FROM w;
SELECT id FROM items UNION SELECT id FROM items;
INSERT INTO items SELECT id + 10, category, embedding FROM items;
SELECT id FROM items WHERE id IN (SELECT id FROM items);
SELECT a.id FROM items a JOIN items b ON a.id = b.id;
SELECT category, count(*) FROM items GROUP BY category;
SELECT id FROM items WHERE id = 1 FOR UPDATE;
CREATE INDEX ON items USING ivfflat (embedding vector_l2_ops);
CREATE TABLE t2 (id bigint PRIMARY KEY, name text UNIQUE);
CREATE EXTENSION postgis;
COPY items TO STDOUT;
SELECT id, category, embedding FROM items ORDER BY id;
