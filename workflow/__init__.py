"""The domain: models, the case lifecycle, rules and services. Imports only config/."""
