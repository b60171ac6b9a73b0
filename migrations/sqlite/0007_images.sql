-- image variants for responsive srcset.
SELECT 1;
