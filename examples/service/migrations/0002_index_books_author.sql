-- GET /books?author=... filters on author. CONCURRENTLY: building the
-- index must not block writes to a table already in use (so this file
-- must not run inside a transaction block).
CREATE INDEX CONCURRENTLY IF NOT EXISTS books_author_idx ON books (author);
