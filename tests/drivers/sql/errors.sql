-- Errors with their SQLSTATE (VERBOSITY verbose; the runner drops the
-- server's LOCATION lines, which name PostgreSQL's source files). After each
-- error the session goes on.
\set VERBOSITY verbose
CREATE EXTENSION vector;
CREATE TABLE items (id bigint PRIMARY KEY, category integer, embedding vector(3));
INSERT INTO items VALUES (1, 1, '[1,2,3]');
-- wrong dimension: in a column, in a cast, between operands
INSERT INTO items VALUES (2, 1, '[1,2]');
SELECT '[1,2,3]'::vector(2);
SELECT '[1,2,3]'::vector <-> '[1,2]';
SELECT l2_distance('[1,2]'::vector, '[3]');
-- malformed vector text
SELECT '[1,2'::vector;
INSERT INTO items VALUES (3, 1, '[1,2,x]');
SELECT '1,2,3'::vector;
SELECT '[1,2,3]x'::vector;
SELECT '[]'::vector;
-- NaN and infinity are not vector elements
SELECT '[1,nan,3]'::vector;
INSERT INTO items VALUES (4, 1, '[NaN,1,2]');
SELECT '[1,Infinity,3]'::vector;
SELECT '{1,NaN}'::real[]::vector;
-- dimensions of the type
CREATE TABLE bad (v vector(16001));
CREATE TABLE bad (v vector(0));
-- unknown table and column
SELECT * FROM nosuch;
INSERT INTO nosuch VALUES (1);
SELECT nosuch FROM items;
SELECT id FROM items ORDER BY nosuch <-> '[1,2,3]' LIMIT 1;
UPDATE items SET nosuch = 1 WHERE id = 1;
-- keys and constraints
INSERT INTO items VALUES (1, 2, '[3,2,1]');
INSERT INTO items (category) VALUES (1);
-- syntax and plain SQL errors
SELEC 1;
SELECT 1/0;
SELECT 'abc'::integer;
CREATE TABLE items (id bigint PRIMARY KEY);
-- settings
SET hnsw.ef_search = 0;
SET hnsw.iterative_scan = sideways;
-- still usable, nothing changed by the failures
SELECT id, category, embedding FROM items ORDER BY id;
