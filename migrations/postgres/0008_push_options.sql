-- push options: breaking news, notification updates.
SELECT 1;
