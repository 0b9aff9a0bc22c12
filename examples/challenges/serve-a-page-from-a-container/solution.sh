#!/bin/sh
# Run by `lab test` in the docker playground as the default user (laborant, in the docker group).
set -e
docker run -d --name web -p 8080:80 nginx
echo '<h1>Hello from a container</h1>' > /tmp/index.html
# The seeded nginx is Debian's: it serves /var/www/html.
docker cp /tmp/index.html web:/var/www/html/index.html
docker cp /tmp/index.html web:/var/www/html/index.nginx-debian.html
