-- Run once by the postgres image, on the first start with an empty data volume
-- (/docker-entrypoint-initdb.d/): one database per service. Kratos, Keto and the
-- backend create their own tables (kratos-migrate, keto-migrate, `ory-spa` at start-up).
-- Changing this file later has no effect on an existing volume.
CREATE DATABASE kratos;
CREATE DATABASE keto;
CREATE DATABASE app;
