# Labkit's CI solution for the Killercoda example scenario `verification`
# (../shared/corpus/killercoda-examples/verification). Its one step says
# "Create file `/etc/panda`" in prose, with no {{exec}} block, so
# `lab import killercoda` writes no .solution.sh for it. Run on the import:
#   lab import killercoda ../shared/corpus/killercoda-examples --out /tmp/kc
#   lab test /tmp/kc --solution verification=test/compat/killercoda-verification.solution.sh
touch /etc/panda
