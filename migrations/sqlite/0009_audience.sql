-- subscribers per topic over time.
SELECT 1;
