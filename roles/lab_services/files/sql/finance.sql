-- The finance records of the Rampart lab: table ledger with 200 deterministic rows.
-- Run by psql (-v ON_ERROR_STOP=1) in database finance; safe to repeat: the table is created
-- when missing and seeded only while empty. Prints "CHANGED: ..." when it changed something.
SET client_min_messages = warning;

SELECT to_regclass('public.ledger') IS NULL AS table_missing \gset
CREATE TABLE IF NOT EXISTS public.ledger (
    id integer PRIMARY KEY,
    booked date NOT NULL,
    account text NOT NULL,
    amount numeric(12, 2) NOT NULL,
    memo text NOT NULL
);
\if :table_missing
\echo CHANGED: created table ledger
\endif

WITH inserted AS (
    INSERT INTO public.ledger (id, booked, account, amount, memo)
    SELECT
        i,
        DATE '2024-01-01' + (i - 1) * 11 % 366,
        account,
        round(((i * 7919) % 250000 + 1000) / 100.0, 2)
            * CASE WHEN account LIKE '4%' OR account LIKE '1200%' THEN 1 ELSE -1 END,
        format('%s %s-2024-%s',
               CASE WHEN account LIKE '4%' THEN 'Invoice' ELSE 'Payment' END,
               CASE WHEN account LIKE '4%' THEN 'INV' ELSE 'PAY' END,
               lpad(i::text, 4, '0'))
    FROM generate_series(1, 200) AS i,
        LATERAL (SELECT (ARRAY['1000 Cash', '1200 Accounts receivable', '2000 Accounts payable',
                               '4000 Sales', '5000 Purchases', '6000 Salaries', '6100 Rent',
                               '6200 Utilities'])[1 + (3 * i) % 8] AS account) AS chosen
    WHERE NOT EXISTS (SELECT 1 FROM public.ledger)
    RETURNING 1
)
SELECT count(*) > 0 AS seeded, count(*) AS seeded_rows FROM inserted \gset
\if :seeded
\echo CHANGED: inserted :seeded_rows rows into ledger
\endif
