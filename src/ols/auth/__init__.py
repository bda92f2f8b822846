"""Who is asking: the user's bearer token as an opaque secret, and (later) authenticating
callers with TokenReview and SubjectAccessReview."""
