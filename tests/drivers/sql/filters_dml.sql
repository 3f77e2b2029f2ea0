-- WHERE filters alone and under a nearest-neighbour ORDER BY, then UPDATE,
-- DELETE and INSERT ... ON CONFLICT by key and by filter.
CREATE EXTENSION vector;
CREATE TABLE items (id bigint PRIMARY KEY, category integer, embedding vector(3));
CREATE INDEX items_embedding_idx ON items USING hnsw (embedding vector_l2_ops);
INSERT INTO items (id, category, embedding) VALUES
    (1, 1, '[1,0,0]'), (2, 2, '[2,0,0]'), (3, 3, '[3,0,0]'), (4, 1, '[4,0,0]'),
    (5, 2, '[5,0,0]'), (6, 3, '[6,0,0]'), (7, NULL, '[7,0,0]'), (8, 1, '[8,0,0]'),
    (9, 2, '[9,0,0]'), (10, 3, '[10,0,0]');
SELECT id FROM items WHERE category = 2 ORDER BY id;
SELECT id FROM items WHERE category <> 2 ORDER BY id;
SELECT id FROM items WHERE category IN (1, 3) ORDER BY id;
SELECT id FROM items WHERE category NOT IN (1, 3) ORDER BY id;
SELECT id FROM items WHERE category BETWEEN 2 AND 3 ORDER BY id;
SELECT id FROM items WHERE category IS NULL;
SELECT count(*) FROM items WHERE category IS NOT NULL;
SELECT id FROM items WHERE category = 1 AND id > 1 ORDER BY id;
SELECT id FROM items WHERE category = 1 OR id = 2 ORDER BY id;
SELECT id FROM items WHERE NOT (category = 1) ORDER BY id;
SELECT id FROM items WHERE (category = 1 OR category = 2) AND NOT id BETWEEN 4 AND 8 ORDER BY id;
SELECT id, category FROM items WHERE category = 3 ORDER BY embedding <-> '[5,0,0]' LIMIT 2;
SELECT id, category FROM items WHERE category <> 3 ORDER BY embedding <-> '[5.9,0,0]' LIMIT 3;
SELECT id FROM items WHERE category IN (1, 2) AND id < 9 ORDER BY embedding <-> '[10,0,0]' LIMIT 3;
SELECT id FROM items WHERE category = 99 ORDER BY embedding <-> '[1,0,0]' LIMIT 3;
SELECT id, embedding <-> '[0,0,0]' AS distance FROM items WHERE id = 4;
UPDATE items SET embedding = '[0,0,1]' WHERE id = 10;
SELECT id, embedding FROM items ORDER BY embedding <-> '[0,0,0.9]' LIMIT 1;
UPDATE items SET category = 4 WHERE category = 3;
SELECT id, category FROM items WHERE category >= 3 ORDER BY id;
UPDATE items SET category = NULL WHERE id = 99;
DELETE FROM items WHERE id = 2;
DELETE FROM items WHERE category IS NULL;
DELETE FROM items WHERE id = 2;
SELECT count(*) FROM items;
SELECT id FROM items ORDER BY embedding <-> '[2.2,0,0]' LIMIT 2;
INSERT INTO items (id, category, embedding) VALUES (1, 9, '[9,9,9]') ON CONFLICT DO NOTHING;
INSERT INTO items (id, category, embedding) VALUES (1, 9, '[9,9,9]') ON CONFLICT (id) DO NOTHING;
INSERT INTO items (id, category, embedding) VALUES (11, 5, '[11,0,0]') ON CONFLICT (id) DO NOTHING;
INSERT INTO items (id, category, embedding) VALUES (1, 7, '[0,1,0]'), (12, 7, '[12,0,0]')
    ON CONFLICT (id) DO UPDATE SET category = EXCLUDED.category, embedding = EXCLUDED.embedding;
SELECT id, category, embedding FROM items WHERE category = 7 ORDER BY id;
INSERT INTO items (id, category, embedding) VALUES (12, 8, '[12,0,0]')
    ON CONFLICT (id) DO UPDATE SET category = items.category + EXCLUDED.category RETURNING id, category;
SELECT count(*), count(category), min(id), max(id) FROM items;
SELECT id, category, embedding FROM items ORDER BY id;
