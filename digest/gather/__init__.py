"""Gathering: feeds, pages and local files into articles, over an injected httpx client."""
