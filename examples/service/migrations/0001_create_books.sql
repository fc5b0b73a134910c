-- The books table. ids are bigint identities: the API accepts ids up
-- to 2^63 - 1. Lengths and the year range match the API's validation
-- (app/models.py).
CREATE TABLE books (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title varchar(200) NOT NULL,
    author varchar(120) NOT NULL,
    isbn varchar(13) UNIQUE,
    published_year smallint CHECK (published_year BETWEEN 1450 AND 2100),
    created_at timestamptz NOT NULL DEFAULT now()
);
