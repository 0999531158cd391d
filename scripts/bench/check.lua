-- wrk: Keto's check for one tuple (the floor of /api/home's permission check).
-- CHECK_BODY is the JSON tuple.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("CHECK_BODY")
