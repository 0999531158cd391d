-- wrk: a Keto check (one tuple, the floor of /api/home's) or batch check (a page's).
-- CHECK_BODY is the JSON body.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("CHECK_BODY")
