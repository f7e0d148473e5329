//! End-to-end tests in headless Chromium (see browser_support).
