"""Extraction: an article's title, byline, date and body out of a page (HTML or a text scrape). Pure."""
