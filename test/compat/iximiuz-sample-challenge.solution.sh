# Labkit's CI solution for the iximiuz sample challenge
# (../shared/corpus/iximiuz-samples/sample-challenge, read in place):
# its solution.md in commands, run by
#   lab test ../shared/corpus/iximiuz-samples/sample-challenge \
#     --solution test/compat/iximiuz-sample-challenge.solution.sh
# Runs as root: `examinerctl task input` (the CI stand-in for the page's
# input box) needs root here, /run/labkit/input is root's.
# session: root@docker
set -e
# solution.md runs ghcr.io/iximiuz/labs/nginx:alpine. Playgrounds here reach
# no public registry, so the playground registry's `nginx` (built offline from
# Debian's package when the docker image is built) stands in for it: what the
# challenge asks for is a long-running container, and nginx is one.
id=$(docker run -d nginx)
docker ps
# The learner reads these off `docker ps` and `docker container inspect`...
short=$(docker ps -q --filter "id=$id")
pid=$(docker container inspect --format '{{.State.Pid}}' "$id")
ip=$(docker container inspect --format '{{.NetworkSettings.IPAddress}}' "$id")
echo "container $short, pid $pid, ip $ip"
# ...and pastes them into the three user-input tasks. The answer goes in the
# way the page's input box sends it: Labkit writes it to the task's
# `:destination:` file (/tmp/container-id.txt, -pid.txt, -ip.txt), which the
# task's check reads, as the platform does.
printf '%s' "$short" | examinerctl task input verify_container_id
printf '%s' "$pid" | examinerctl task input verify_container_pid
printf '%s' "$ip" | examinerctl task input verify_container_ip
