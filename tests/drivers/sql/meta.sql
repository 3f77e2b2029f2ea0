-- psql's meta-commands, which query pg_catalog the way psql 15 does.
CREATE EXTENSION vector;
CREATE TABLE items (id bigserial PRIMARY KEY, category integer, embedding vector(3));
CREATE INDEX items_embedding_idx ON items USING hnsw (embedding vector_l2_ops);
\dt
\d items
