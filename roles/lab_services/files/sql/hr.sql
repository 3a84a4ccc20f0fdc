-- The HR records of the Rampart lab: table employees with 50 deterministic rows.
-- Run by psql (-v ON_ERROR_STOP=1) in database hr; safe to repeat: the table is created
-- when missing and seeded only while empty. Prints "CHANGED: ..." when it changed something.
SET client_min_messages = warning;

SELECT to_regclass('public.employees') IS NULL AS table_missing \gset
CREATE TABLE IF NOT EXISTS public.employees (
    id integer PRIMARY KEY,
    full_name text NOT NULL,
    post text NOT NULL,
    salary numeric(10, 2) NOT NULL CHECK (salary > 0),
    hired date NOT NULL
);
\if :table_missing
\echo CHANGED: created table employees
\endif

WITH inserted AS (
    INSERT INTO public.employees (id, full_name, post, salary, hired)
    SELECT
        i,
        (ARRAY['Alice', 'Bao', 'Carmen', 'Dmitri', 'Esther',
               'Farid', 'Grace', 'Hiroshi', 'Ines', 'Jonas'])[1 + (i - 1) % 10]
        || ' ' ||
        (ARRAY['Andersen', 'Bianchi', 'Chen', 'Dubois', 'Eriksen',
               'Fischer', 'Garcia', 'Hoffmann', 'Ivanova', 'Jansen'])[1 + (3 * ((i - 1) % 10) + (i - 1) / 10) % 10],
        (ARRAY['Clerk', 'Accountant', 'Engineer', 'HR officer', 'Sales representative',
               'Information officer', 'Manager'])[1 + (5 * i) % 7],
        32000 + (i * 7919) % 48 * 1000 + (i % 4) * 250,
        DATE '2012-03-01' + (i * 97) % 4000
    FROM generate_series(1, 50) AS i
    WHERE NOT EXISTS (SELECT 1 FROM public.employees)
    RETURNING 1
)
SELECT count(*) > 0 AS seeded, count(*) AS seeded_rows FROM inserted \gset
\if :seeded
\echo CHANGED: inserted :seeded_rows rows into employees
\endif
