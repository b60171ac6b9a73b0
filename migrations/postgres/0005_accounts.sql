-- user accounts, sessions, API tokens, login throttling.
SELECT 1;
