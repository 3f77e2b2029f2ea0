-- pgvector basics through psql: the extension, a table with a vector column,
-- inserts with RETURNING, an HNSW index and nearest-neighbour queries with
-- each distance operator. Distances are chosen without ties so that the
-- order is the same in any correct implementation.
CREATE EXTENSION vector;
CREATE TABLE items (id bigserial PRIMARY KEY, category integer, embedding vector(3));
INSERT INTO items (category, embedding) VALUES
    (1, '[1,2,3]'), (2, '[4,5,6]'), (1, '[1,1,1]'), (3, '[0,0,0]'),
    (2, '[-1,2.5,0.5]'), (NULL, '[3,1,2]'), (3, NULL);
INSERT INTO items (category, embedding) VALUES (4, '[10,10,10]') RETURNING id;
INSERT INTO items (category, embedding) VALUES (5, '[2,2,2]'), (5, '[3,3,4]')
    RETURNING id, category, embedding;
SELECT count(*) FROM items;
SELECT count(embedding) AS with_vector FROM items;
SELECT id, category, embedding FROM items ORDER BY id;
CREATE INDEX ON items USING hnsw (embedding vector_l2_ops);
SELECT id, embedding FROM items ORDER BY embedding <-> '[3,1,2]' LIMIT 5;
SELECT id, embedding <-> '[3,1,2]' AS distance FROM items ORDER BY embedding <-> '[3,1,2]' LIMIT 5;
SELECT id, embedding <-> '[3,1,2]' AS distance FROM items WHERE embedding IS NOT NULL ORDER BY distance DESC LIMIT 2;
SELECT id, embedding <#> '[3,1,2]' AS neg_inner_product FROM items ORDER BY embedding <#> '[3,1,2]' LIMIT 3;
SELECT id, embedding <=> '[1,2,3]' AS cosine FROM items ORDER BY embedding <=> '[1,2,3]' LIMIT 3;
SELECT id, embedding <+> '[3,1,2]' AS l1 FROM items ORDER BY embedding <+> '[3,1,2]' LIMIT 3;
SELECT id, embedding <-> '[3,1,2]' AS l2, embedding <#> '[3,1,2]' AS neg_ip,
       embedding <=> '[3,1,2]' AS cosine, embedding <+> '[3,1,2]' AS l1
FROM items WHERE id IN (1, 4, 5, 7) ORDER BY id;
SELECT id FROM items ORDER BY embedding <-> '[3,1,2]' LIMIT 3 OFFSET 2;
