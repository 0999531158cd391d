-- One server, three databases: Kratos', Keto's and the backend's own. Each service
-- migrates its own database (kratos-migrate, keto-migrate, the backend at start-up).
CREATE DATABASE kratos;
CREATE DATABASE keto;
CREATE DATABASE app;
