// A challenge written in TypeScript: metadata and tasks here (typed, with
// autocomplete from the SDK), the learner-facing text in body.md.
//
// In a content repository created with `lab init`, import from '@labkit/sdk';
// inside the Labkit repository the examples import the SDK source directly.
import { defineChallenge, initTask, needsOutput, task } from '../../../packages/sdk/src/index.ts';

export default defineChallenge({
  title: 'Create a Service Account for a Deployed App',
  description:
    'A new app was copied to /srv/app as root. Give it a dedicated, non-login service account and a group, and lock the app folder down to them.',
  categories: ['linux', 'security'],
  tagz: ['users', 'groups', 'permissions'],
  difficulty: 'medium',
  createdAt: '2026-11-21',
  playground: { name: 'busybox' },
  tasks: {
    init_deploy_app: initTask({
      run: [
        'mkdir -p /srv/app/bin /srv/app/data',
        "printf '#!/bin/sh\\necho serving\\n' > /srv/app/bin/server",
        'chmod 755 /srv/app/bin/server',
        'chmod 777 /srv/app',
        // The checks compare ownership against this baseline.
        "stat -c '%U:%G %a' /srv/app",
      ].join('\n'),
    }),
    verify_group_exists: task({
      run: "grep -q '^app:' /etc/group || { echo 'There is no group named app.'; exit 1; }",
    }),
    verify_user_exists: task({
      needs: ['verify_group_exists'],
      run: [
        "LINE=$(grep '^appsvc:' /etc/passwd) || { echo 'There is no user named appsvc.'; exit 1; }",
        'SHELL_FIELD=$(echo "$LINE" | cut -d: -f7)',
        'case "$SHELL_FIELD" in',
        '  /bin/false|/sbin/nologin|/usr/sbin/nologin) ;;',
        '  *) echo "appsvc can log in with $SHELL_FIELD."; exit 1 ;;',
        'esac',
        "id -nG appsvc | tr ' ' '\\n' | grep -qx app || { echo 'appsvc is not in the app group.'; exit 1; }",
      ].join('\n'),
      hintcheck: [
        'if grep -q "^appsvc:" /etc/passwd; then',
        '  echo "The account exists. Check its login shell and its groups."',
        'fi',
      ].join('\n'),
    }),
    verify_app_locked_down: task({
      needs: ['verify_user_exists', 'init_deploy_app'],
      env: [`BASELINE=${needsOutput('init_deploy_app')}`],
      run: [
        "NOW=$(stat -c '%U:%G %a' /srv/app)",
        'if [ "$NOW" != "appsvc:app 750" ]; then',
        '  echo "/srv/app is $NOW (it was $BASELINE), expected appsvc:app 750."',
        '  exit 1',
        'fi',
        "[ \"$(stat -c '%U' /srv/app/bin/server)\" = appsvc ] || { echo 'Files inside /srv/app still belong to root.'; exit 1; }",
      ].join('\n'),
      failcheck: '[ -x /srv/app/bin/server ] || { echo "The app binary was deleted or lost its execute bit."; exit 1; }',
    }),
  },
  bodyFile: './body.md',
});
