"""Mail: compose a digest, render it once (Jinja2 + premailer), build each reader's message. Pure."""
