# Labkit's CI solution for the Killercoda example scenario
# `kubernetes-2node-multi-step-verification` (../shared/corpus/killercoda-examples):
# its steps say "Create a pod called `my-pod`", then "Delete the pod called
# `my-pod`", in prose with no {{exec}} block, so the import writes no
# .solution.sh. Step 2's check (the pod is gone) needs step 1's (it exists)
# first, so the pod is deleted only once step 1 has passed.
# It cannot pass locally yet: the import maps the kubeadm image to the `k3s`
# platform playground, which the local runtime cannot boot (docs/runtime.md).
# session: root@cplane-01
set -e
kubectl run my-pod --image=nginx
examinerctl task wait verify_step_1 --timeout 5m
kubectl delete pod my-pod --wait=false
