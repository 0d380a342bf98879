"""The web edge: request context, sign-in and CSRF, rendering, shared page parts and the static build."""
