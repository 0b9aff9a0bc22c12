#!/bin/sh
# Run by `lab test` in the docker playground as the default user (laborant, in the docker group).
set -e
mkdir -p "$HOME/site"
echo '<h1>Hello from a container</h1>' > "$HOME/site/index.html"
docker run -d --name web -p 8080:80 -v "$HOME/site:/www" busybox httpd -f -p 80 -h /www
