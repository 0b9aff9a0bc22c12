/*
 * labkit guest agent: PID 1 of every Labkit guest.
 *
 * Compiled with `gcc -static -Os` by `lab image build` (never committed as a
 * binary). It boots the guest (mounts, kernel modules, loopback, optional
 * ext4 root), then serves the host over a virtio-serial port.
 *
 * Why C and not a busybox sh loop: the protocol carries arbitrary output
 * bytes, and a shell cannot read or write length-prefixed binary frames
 * reliably. In C every byte of output travels inside a frame whose length the
 * agent wrote, so nothing a check prints can ever forge a frame.
 *
 * Wire format, both directions: u32 big-endian length (of what follows), u8
 * type, payload. Strings are u32 length + bytes.
 *   host->guest  EXEC(1): id, timeout_ms, max_output, user, cwd, script, n, env[n]
 *                KILL(2): id
 *                WRITE(3): id, path, mode, user, content  (never through a symlink root does not own: write_file)
 *                PING(4): id
 *                POWEROFF(5)
 *                PTY(6): id, cols, rows, user, n, env[n]   (an interactive login shell on a pty)
 *                INPUT(7): id, bytes                        (keystrokes for a PTY job)
 *                RESIZE(8): id, cols, rows                  (window size of a PTY job)
 *                HOSTNAME(9): id, name                      (no fork: a pooled VM is renamed in one round trip)
 *                IDENTITY(12): id, name, u32 sec_hi, u32 sec_lo, u32 nsec, seed, machine_id
 *                                                           (after a restore from saved state: hostname, wall clock,
 *                                                           entropy credited + CRNG reseeded, /etc/machine-id)
 *   guest->host  HELLO(0x81): version
 *                OUT(0x82): id, u8 stream (1 stdout, 2 stderr), bytes
 *                EXIT(0x83): id, i32 code, i32 signal, u8 flags, u32 duration_ms
 *                ACK(0x84): id, i32 errno, message
 * EXIT flags: 1 timed out, 2 stdout truncated, 4 stderr truncated, 8 failed to start.
 *
 * A PTY job is a job like EXEC's (same id space, cgroup, KILL, EXIT frame):
 * its terminal output travels in OUT frames (stream 1, no cap, no timeout)
 * and ends with EXIT when the shell and everything holding the pty are gone.
 * It shares this port with the checks, so a terminal needs no second
 * channel and can never forge a check's frames.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <net/if.h>
#include <linux/random.h>
#include <linux/vm_sockets.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>
#include <time.h>
#include <unistd.h>

#define VERSION "labkit-agent/1"
#define MAX_JOBS 64
#define MAX_FRAME (64u << 20)

struct job {
  int used;
  uint32_t id;
  pid_t pid;
  int fd[2];            /* stdout, stderr read ends, -1 when closed */
  uint64_t start_ms, deadline_ms;
  uint32_t max_output, sent[2];
  int flags, exited, status;
  int pty;              /* fd[0] is a pty master: INPUT and RESIZE go to it */
  int in_fd;            /* SPAWN jobs: write end of the script's stdin pipe (INPUT goes to it), -1 otherwise */
  char cgroup[64];
};

static struct job jobs[MAX_JOBS];
static int port = -1;
static int have_cgroups = 0;
static uint32_t cg_seq = 0;

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void log_msg(const char *m) {
  int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
  if (fd >= 0) { dprintf(fd, "labkit-agent: %s\n", m); close(fd); }
}

static void write_all(int fd, const void *buf, size_t n) {
  const char *p = buf;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) { struct pollfd pf = {fd, POLLOUT, 0}; poll(&pf, 1, 1000); continue; }
      return; /* host gone: nothing useful to do */
    }
    p += w; n -= (size_t)w;
  }
}

static void put32(unsigned char *b, uint32_t v) { b[0] = v >> 24; b[1] = v >> 16; b[2] = v >> 8; b[3] = v; }
static uint32_t get32(const unsigned char *b) { return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3]; }

/* One frame = header + up to two body parts, written with one writev-like copy. */
static void send_frame(uint8_t type, const void *a, uint32_t alen, const void *b, uint32_t blen) {
  static unsigned char buf[5 + 65536 + 64];
  uint32_t len = 1 + alen + blen;
  if (5 + alen + blen <= sizeof buf) {
    put32(buf, len); buf[4] = type;
    memcpy(buf + 5, a, alen);
    if (blen) memcpy(buf + 5 + alen, b, blen);
    write_all(port, buf, 5 + alen + blen);
  } else {
    unsigned char h[5]; put32(h, len); h[4] = type;
    write_all(port, h, 5); write_all(port, a, alen); if (blen) write_all(port, b, blen);
  }
}

static void send_ack(uint32_t id, int err, const char *msg) {
  unsigned char h[12]; uint32_t ml = (uint32_t)strlen(msg);
  put32(h, id); put32(h + 4, (uint32_t)err); put32(h + 8, ml);
  send_frame(0x84, h, 12, msg, ml);
}

/* ---- request parsing -------------------------------------------------- */
struct rd { const unsigned char *p; uint32_t left; int bad; };
static uint32_t rd32(struct rd *r) {
  if (r->left < 4) { r->bad = 1; return 0; }
  uint32_t v = get32(r->p); r->p += 4; r->left -= 4; return v;
}
/* Returns a NUL-terminated copy (the caller frees it). */
static char *rdstr(struct rd *r, uint32_t *outlen) {
  uint32_t n = rd32(r);
  if (r->bad || n > r->left) { r->bad = 1; return NULL; }
  char *s = malloc(n + 1);
  if (!s) { r->bad = 1; return NULL; }
  memcpy(s, r->p, n); s[n] = 0; r->p += n; r->left -= n;
  if (outlen) *outlen = n;
  return s;
}

/* The user's supplementary groups from /etc/group (no NSS, as above): a
 * learner in the `docker` group must reach /var/run/docker.sock. */
static int user_groups(const char *name, gid_t primary, gid_t *out, int max) {
  int n = 0;
  out[n++] = primary;
  FILE *f = fopen("/etc/group", "re");
  if (!f) return n;
  char line[4096];
  while (fgets(line, sizeof line, f) && n < max) {
    line[strcspn(line, "\n")] = 0;
    char *gname = line, *c1 = strchr(line, ':'); if (!c1) continue; *c1 = 0;
    char *c2 = strchr(c1 + 1, ':'); if (!c2) continue;
    char *c3 = strchr(c2 + 1, ':'); if (!c3) continue; *c3 = 0;
    gid_t gid = (gid_t)strtoul(c2 + 1, NULL, 10);
    (void)gname;
    for (char *m = strtok(c3 + 1, ","); m; m = strtok(NULL, ",")) {
      if (strcmp(m, name) == 0 && gid != primary) { out[n++] = gid; break; }
    }
  }
  fclose(f);
  return n;
}

/* /etc/passwd lookup without NSS (a static glibc cannot load NSS modules). */
struct pw { uid_t uid; gid_t gid; char home[256]; char shell[128]; };
static int lookup_user(const char *name, struct pw *out) {
  FILE *f = fopen("/etc/passwd", "re");
  if (!f) return -1;
  char line[1024];
  while (fgets(line, sizeof line, f)) {
    char *fields[7]; int n = 0; char *s = line;
    line[strcspn(line, "\n")] = 0;
    while (n < 7) { fields[n++] = s; char *c = strchr(s, ':'); if (!c) break; *c = 0; s = c + 1; }
    if (n < 7 || strcmp(fields[0], name) != 0) continue;
    out->uid = (uid_t)atoi(fields[2]); out->gid = (gid_t)atoi(fields[3]);
    snprintf(out->home, sizeof out->home, "%s", fields[5]);
    snprintf(out->shell, sizeof out->shell, "%s", fields[6]);
    fclose(f); return 0;
  }
  fclose(f); return -1;
}

static int write_text(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t w = write(fd, text, strlen(text));
  close(fd);
  return w < 0 ? -1 : 0;
}

/* ---- jobs --------------------------------------------------------------- */
static struct job *find_job(uint32_t id) {
  for (int i = 0; i < MAX_JOBS; i++) if (jobs[i].used && jobs[i].id == id) return &jobs[i];
  return NULL;
}

static void kill_job(struct job *j) {
  /* cgroup.kill reaches every descendant, even ones that called setsid();
   * the process-group kill is the fallback for kernels without it. */
  if (j->cgroup[0]) {
    char p[96]; snprintf(p, sizeof p, "%s/cgroup.kill", j->cgroup);
    write_text(p, "1");
  }
  if (j->pid > 0) { kill(-j->pid, SIGKILL); kill(j->pid, SIGKILL); }
}

/* EXEC runs a script with stdin on /dev/null; SPAWN (with_stdin) gives it a
 * pipe that INPUT frames fill and CLOSE_STDIN closes: `lab ssh -- cmd`,
 * `lab cp`, port forwards (nc) and ssh-proxy ride on it. */
static void start_exec(struct rd *r, int with_stdin) {
  uint32_t id = rd32(r), timeout_ms = rd32(r), max_output = rd32(r);
  char *user = rdstr(r, NULL), *cwd = rdstr(r, NULL), *script = rdstr(r, NULL);
  uint32_t nenv = rd32(r);
  char **env = calloc((size_t)nenv + 8, sizeof(char *));
  for (uint32_t i = 0; i < nenv && !r->bad && i < 4096; i++) env[i] = rdstr(r, NULL);
  unsigned char ex[17] = {0};
  put32(ex, id);
  if (r->bad || !env) { put32(ex + 4, 127); ex[12] = 8; send_frame(0x83, ex, 17, NULL, 0); goto out; }

  struct pw pw;
  if (lookup_user(user && user[0] ? user : "root", &pw) != 0) {
    char m[300]; snprintf(m, sizeof m, "labkit-agent: no such user: %s\n", user);
    unsigned char h[5]; put32(h, id); h[4] = 2;
    send_frame(0x82, h, 5, m, (uint32_t)strlen(m));
    put32(ex + 4, 127); ex[12] = 8; send_frame(0x83, ex, 17, NULL, 0); goto out;
  }
  struct job *j = NULL;
  for (int i = 0; i < MAX_JOBS; i++) if (!jobs[i].used) { j = &jobs[i]; break; }
  int po[2], pe[2], pi[2] = {-1, -1};
  if (with_stdin && (!j || pipe2(pi, O_CLOEXEC) < 0)) { put32(ex + 4, 127); ex[12] = 8; send_frame(0x83, ex, 17, NULL, 0); goto out; }
  if (!j || pipe2(po, O_CLOEXEC) < 0) { put32(ex + 4, 127); ex[12] = 8; send_frame(0x83, ex, 17, NULL, 0); goto out; }
  if (pipe2(pe, O_CLOEXEC) < 0) { close(po[0]); close(po[1]); put32(ex + 4, 127); ex[12] = 8; send_frame(0x83, ex, 17, NULL, 0); goto out; }
  memset(j, 0, sizeof *j);
  j->used = 1; j->id = id; j->max_output = max_output; j->in_fd = -1;
  j->start_ms = now_ms(); j->deadline_ms = timeout_ms ? j->start_ms + timeout_ms : 0;
  if (have_cgroups) {
    snprintf(j->cgroup, sizeof j->cgroup, "/sys/fs/cgroup/labkit/job-%u", ++cg_seq);
    if (mkdir(j->cgroup, 0755) == 0) {
      char p[96]; snprintf(p, sizeof p, "%s/pids.max", j->cgroup);
      write_text(p, "256"); /* a fork bomb stalls here instead of filling the process table */
    } else j->cgroup[0] = 0;
  }
  pid_t pid = fork();
  if (pid == 0) {
    setsid(); /* own session and process group: the timeout kills the whole tree */
    if (j->cgroup[0]) {
      char p[96], me[16]; snprintf(p, sizeof p, "%s/cgroup.procs", j->cgroup);
      snprintf(me, sizeof me, "%d", getpid()); write_text(p, me);
    }
    sigset_t all; sigemptyset(&all); sigprocmask(SIG_SETMASK, &all, NULL);
    int devnull = with_stdin ? pi[0] : open("/dev/null", O_RDONLY);
    dup2(devnull, 0); dup2(po[1], 1); dup2(pe[1], 2);
    { gid_t gs[64]; int ng = user_groups(user && user[0] ? user : "root", pw.gid, gs, 64);
      if (setgroups((size_t)ng, gs) < 0 && pw.uid != 0) _exit(126); }
    if (setgid(pw.gid) < 0 || setuid(pw.uid) < 0) _exit(126);
    const char *dir = cwd && cwd[0] ? cwd : pw.home;
    if (chdir(dir) < 0 && chdir("/") < 0) _exit(126);
    char **e = calloc((size_t)nenv + 8, sizeof(char *)); int k = 0;
    char b1[300], b2[300], b3[300], b4[300];
    snprintf(b1, sizeof b1, "HOME=%s", pw.home); e[k++] = b1;
    snprintf(b2, sizeof b2, "USER=%s", user && user[0] ? user : "root"); e[k++] = b2;
    snprintf(b3, sizeof b3, "LOGNAME=%s", user && user[0] ? user : "root"); e[k++] = b3;
    snprintf(b4, sizeof b4, "SHELL=%s", pw.shell); e[k++] = b4;
    e[k++] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    e[k++] = "TERM=xterm";
    for (uint32_t i = 0; i < nenv; i++) if (env[i]) e[k++] = env[i];
    e[k] = NULL;
    /* Task scripts are written for bash (iximiuz runs them with bash): use it
     * when the image has it (debian), else busybox ash, which accepts most
     * bashisms authors use ([[ ]], ==). */
    int bash = access("/bin/bash", X_OK) == 0;
    char *argv[] = {bash ? "bash" : "sh", "-c", script, NULL};
    execve(bash ? "/bin/bash" : "/bin/sh", argv, e);
    _exit(127);
  }
  close(po[1]); close(pe[1]);
  if (pi[0] >= 0) close(pi[0]);
  if (pid < 0) {
    close(po[0]); close(pe[0]); if (pi[1] >= 0) close(pi[1]); j->used = 0;
    put32(ex + 4, 127); ex[12] = 8; send_frame(0x83, ex, 17, NULL, 0); goto out;
  }
  j->pid = pid; j->fd[0] = po[0]; j->fd[1] = pe[0]; j->in_fd = pi[1];
  if (pi[1] >= 0) fcntl(pi[1], F_SETFL, O_NONBLOCK);
  fcntl(po[0], F_SETFL, O_NONBLOCK); fcntl(pe[0], F_SETFL, O_NONBLOCK);
out:
  free(user); free(cwd); free(script);
  if (env) { for (uint32_t i = 0; i < nenv && i < 4096; i++) free(env[i]); free(env); }
}

/* ---- interactive terminals (PTY jobs) ----------------------------------- */
static void start_pty(struct rd *r) {
  uint32_t id = rd32(r), cols = rd32(r), rows = rd32(r);
  char *user = rdstr(r, NULL);
  uint32_t nenv = rd32(r);
  char **env = calloc((size_t)nenv + 8, sizeof(char *));
  for (uint32_t i = 0; i < nenv && !r->bad && i < 256; i++) env[i] = rdstr(r, NULL);
  unsigned char ex[17] = {0};
  put32(ex, id); put32(ex + 4, 127); ex[12] = 8;
  struct pw pw;
  struct job *j = NULL;
  int master = -1;
  if (r->bad || !env || lookup_user(user && user[0] ? user : "root", &pw) != 0) goto fail;
  for (int i = 0; i < MAX_JOBS; i++) if (!jobs[i].used) { j = &jobs[i]; break; }
  if (!j) goto fail;
  master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) goto fail;
  char slave_name[64]; snprintf(slave_name, sizeof slave_name, "%s", ptsname(master));
  struct winsize ws = {(unsigned short)(rows ? rows : 24), (unsigned short)(cols ? cols : 80), 0, 0};
  ioctl(master, TIOCSWINSZ, &ws);
  memset(j, 0, sizeof *j);
  j->used = 1; j->id = id; j->pty = 1; j->max_output = 0xffffffffu; j->fd[1] = -1; j->in_fd = -1;
  j->start_ms = now_ms();
  if (have_cgroups) {
    snprintf(j->cgroup, sizeof j->cgroup, "/sys/fs/cgroup/labkit/job-%u", ++cg_seq);
    if (mkdir(j->cgroup, 0755) == 0) {
      char p[96]; snprintf(p, sizeof p, "%s/pids.max", j->cgroup);
      write_text(p, "512");
    } else j->cgroup[0] = 0;
  }
  pid_t pid = fork();
  if (pid == 0) {
    setsid(); /* new session: the pty becomes its controlling terminal below */
    if (j->cgroup[0]) {
      char p[96], me[16]; snprintf(p, sizeof p, "%s/cgroup.procs", j->cgroup);
      snprintf(me, sizeof me, "%d", getpid()); write_text(p, me);
    }
    sigset_t all; sigemptyset(&all); sigprocmask(SIG_SETMASK, &all, NULL);
    int slave = open(slave_name, O_RDWR);
    if (slave < 0) _exit(126);
    ioctl(slave, TIOCSCTTY, 0);
    if (fchown(slave, pw.uid, -1) < 0) { /* still usable as root's */ }
    dup2(slave, 0); dup2(slave, 1); dup2(slave, 2);
    if (slave > 2) close(slave);
    { gid_t gs[64]; int ng = user_groups(user && user[0] ? user : "root", pw.gid, gs, 64);
      if (setgroups((size_t)ng, gs) < 0 && pw.uid != 0) _exit(126); }
    if (setgid(pw.gid) < 0 || setuid(pw.uid) < 0) _exit(126);
    if (chdir(pw.home) < 0 && chdir("/") < 0) _exit(126);
    char **e = calloc((size_t)nenv + 8, sizeof(char *)); int k = 0;
    const char *u = user && user[0] ? user : "root";
    char b1[300], b2[300], b3[300], b4[300];
    snprintf(b1, sizeof b1, "HOME=%s", pw.home); e[k++] = b1;
    snprintf(b2, sizeof b2, "USER=%s", u); e[k++] = b2;
    snprintf(b3, sizeof b3, "LOGNAME=%s", u); e[k++] = b3;
    snprintf(b4, sizeof b4, "SHELL=%s", pw.shell[0] ? pw.shell : "/bin/sh"); e[k++] = b4;
    e[k++] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    e[k++] = "TERM=xterm-256color";
    for (uint32_t i = 0; i < nenv && i < 256; i++) if (env[i]) e[k++] = env[i];
    e[k] = NULL;
    const char *shell = pw.shell[0] ? pw.shell : "/bin/sh";
    const char *base = strrchr(shell, '/');
    char argv0[140]; snprintf(argv0, sizeof argv0, "-%s", base ? base + 1 : shell); /* a login shell */
    char *argv[] = {argv0, NULL};
    execve(shell, argv, e);
    execve("/bin/sh", argv, e);
    _exit(127);
  }
  if (pid < 0) { j->used = 0; goto fail; }
  j->pid = pid; j->fd[0] = master; master = -1;
  fcntl(j->fd[0], F_SETFL, O_NONBLOCK);
  goto out;
fail:
  if (master >= 0) close(master);
  send_frame(0x83, ex, 17, NULL, 0);
out:
  free(user);
  if (env) { for (uint32_t i = 0; i < nenv && i < 256; i++) free(env[i]); free(env); }
}

/* Keystrokes: a shell that stops reading for 2 s loses the rest of the paste, never the checks' channel. */
static void pty_input(struct rd *r) {
  uint32_t id = rd32(r);
  struct job *j = find_job(id);
  if (r->bad || !j) return;
  int fd = j->pty ? j->fd[0] : j->in_fd;
  if (fd < 0) return;
  /* A pty drops a paste after 2 s; a SPAWN's stdin (a file copy, a TCP stream) waits up to 10 s. */
  int max_tries = j->pty ? 20 : 100;
  const unsigned char *p = r->p; uint32_t n = r->left;
  for (int tries = 0; n > 0 && tries < max_tries;) {
    ssize_t w = write(fd, p, n);
    if (w > 0) { p += w; n -= (uint32_t)w; continue; }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) { struct pollfd pf = {fd, POLLOUT, 0}; poll(&pf, 1, 100); tries++; continue; }
    return;
  }
}

static void pty_resize(struct rd *r) {
  uint32_t id = rd32(r), cols = rd32(r), rows = rd32(r);
  struct job *j = find_job(id);
  if (r->bad || !j || !j->pty || j->fd[0] < 0 || !cols || !rows) return;
  struct winsize ws = {(unsigned short)rows, (unsigned short)cols, 0, 0};
  ioctl(j->fd[0], TIOCSWINSZ, &ws); /* the kernel sends SIGWINCH to the foreground job */
}

/* Reads what a stream has now; forwards up to the cap, drains (and drops) the rest. */
static void pump(struct job *j, int s) {
  unsigned char buf[65536];
  for (;;) {
    if (j->fd[s] < 0) return;
    ssize_t n = read(j->fd[s], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) { close(j->fd[s]); j->fd[s] = -1; return; }
    uint32_t room = j->sent[s] < j->max_output ? j->max_output - j->sent[s] : 0;
    uint32_t fwd = (uint32_t)n < room ? (uint32_t)n : room;
    if (fwd < (uint32_t)n) j->flags |= (s == 0 ? 2 : 4);
    if (fwd > 0) {
      unsigned char h[5]; put32(h, j->id); h[4] = (unsigned char)(s + 1);
      send_frame(0x82, h, 5, buf, fwd);
      j->sent[s] += fwd;
    }
  }
}

/*
 * An execution ends when its main process has exited AND its output pipes
 * are closed, like an ssh session: a background child that still holds
 * stdout (a fork bomb, `sleep 100 &`) keeps it running until the timeout
 * kills the tree, while a daemon that redirects its output detaches and lives on.
 */
static void finish(struct job *j) {
  for (int s = 0; s < 2; s++) if (j->fd[s] >= 0) { close(j->fd[s]); j->fd[s] = -1; }
  if (j->in_fd >= 0) { close(j->in_fd); j->in_fd = -1; }
  unsigned char ex[17];
  int code = WIFEXITED(j->status) ? WEXITSTATUS(j->status) : -1;
  int sig = WIFSIGNALED(j->status) ? WTERMSIG(j->status) : 0;
  put32(ex, j->id); put32(ex + 4, (uint32_t)code); put32(ex + 8, (uint32_t)sig);
  ex[12] = (unsigned char)j->flags; put32(ex + 13, (uint32_t)(now_ms() - j->start_ms));
  send_frame(0x83, ex, 17, NULL, 0);
  if (j->flags & 1) kill_job(j); /* leftovers of a timed-out check go too */
  if (j->cgroup[0]) rmdir(j->cgroup); /* fails while daemons live on: fine */
  j->used = 0;
}

static void reap(void) {
  int st; pid_t pid;
  while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
    for (int i = 0; i < MAX_JOBS; i++)
      if (jobs[i].used && jobs[i].pid == pid) { jobs[i].status = st; jobs[i].exited = 1; }
  }
}

/*
 * The directory that will hold the last component of `path` (an absolute
 * path), opened O_PATH, with that component in `last`. WRITE runs as root,
 * and a path may cross folders a learner can write (/tmp, /home/laborant,
 * a task's :destination:), so the walk never lets the learner choose where
 * the file lands: each component is opened from its parent's descriptor
 * with O_NOFOLLOW (no rename race can swap a folder for a link afterwards),
 * a symlink on the way is followed only when root owns it (/var/run ->
 * /run; a learner cannot make one), any other symlink is refused with
 * EPERM, and a missing folder is created 0755 (the old mkdir -p).
 */
static int open_parent(const char *path, char *last, size_t lastsz) {
  const char *slash = strrchr(path, '/');
  if (path[0] != '/' || !slash[1] || strcmp(slash + 1, ".") == 0 || strcmp(slash + 1, "..") == 0) { errno = EINVAL; return -1; }
  if (strlen(slash + 1) >= lastsz) { errno = ENAMETOOLONG; return -1; }
  strcpy(last, slash + 1);
  char todo[8192], next[8192], target[4096];
  if ((size_t)(slash - path) >= sizeof todo) { errno = ENAMETOOLONG; return -1; }
  memcpy(todo, path, (size_t)(slash - path)); todo[slash - path] = 0;
  int dfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), links = 0;
  const char *p = todo;
  while (dfd >= 0) {
    while (*p == '/') p++;
    if (!*p) return dfd;
    size_t n = strcspn(p, "/");
    char name[256];
    if (n >= sizeof name) { errno = ENAMETOOLONG; break; }
    memcpy(name, p, n); name[n] = 0; p += n;
    if (strcmp(name, ".") == 0) continue;
    int fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && mkdirat(dfd, name, 0755) == 0) fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) { if (fd >= 0) close(fd); break; }
    if (S_ISDIR(st.st_mode)) { close(dfd); dfd = fd; continue; }
    if (!S_ISLNK(st.st_mode)) { close(fd); errno = ENOTDIR; break; }
    if (st.st_uid != 0) { close(fd); errno = EPERM; break; }
    ssize_t tl = readlinkat(fd, "", target, sizeof target - 1);
    close(fd);
    if (tl <= 0 || ++links > 40) { errno = tl <= 0 ? EINVAL : ELOOP; break; }
    target[tl] = 0;
    if ((size_t)snprintf(next, sizeof next, "%s/%s", target, p) >= sizeof next) { errno = ENAMETOOLONG; break; }
    strcpy(todo, next); p = todo;
    if (target[0] == '/') { close(dfd); dfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC); }
  }
  int e = errno;
  if (dfd >= 0) close(dfd);
  errno = e;
  return -1;
}

/*
 * WRITE: the content lands in a fresh temporary file (O_CREAT | O_EXCL |
 * O_NOFOLLOW: a name planted in advance, link or not, is never opened)
 * that is renamed over the target, so no existing inode is ever written to.
 * A symlink at the target that root does not own is refused, not replaced.
 */
static void write_file(struct rd *r) {
  uint32_t id = rd32(r), mode = rd32(r), clen = 0;
  char *path = rdstr(r, NULL), *user = rdstr(r, NULL), *content = rdstr(r, &clen);
  int dfd = -1;
  if (r->bad || !path) { send_ack(id, EINVAL, "malformed WRITE"); goto out; }
  struct pw pw;
  if (lookup_user(user && user[0] ? user : "root", &pw) != 0) { send_ack(id, ENOENT, "no such user"); goto out; }
  char base[256], tmp[64];
  dfd = open_parent(path, base, sizeof base);
  if (dfd < 0) { send_ack(id, errno, errno == EPERM ? "refused: a folder on the path is a symlink root does not own" : strerror(errno)); goto out; }
  struct stat st;
  if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode) && st.st_uid != 0) {
    send_ack(id, EPERM, "refused: the file is a symlink root does not own"); goto out;
  }
  static uint32_t seq = 0;
  int fd = -1;
  for (int tries = 0; tries < 16 && fd < 0; tries++) {
    snprintf(tmp, sizeof tmp, ".labkit-write-%u-%llu", ++seq, (unsigned long long)now_ms());
    fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) { send_ack(id, errno, strerror(errno)); goto out; }
  write_all(fd, content, clen);
  fchown(fd, pw.uid, pw.gid); fchmod(fd, mode & 07777); close(fd);
  if (renameat(dfd, tmp, dfd, base) < 0) { int e = errno; unlinkat(dfd, tmp, 0); send_ack(id, e, strerror(e)); goto out; }
  send_ack(id, 0, "ok");
out:
  if (dfd >= 0) close(dfd);
  free(path); free(user); free(content);
}

/*
 * A machine restored from saved state is a copy of the one that was saved:
 * same hostname, a clock stopped at the save, the same CRNG state (so the
 * same "random" numbers in every copy) and the same machine-id. The host
 * sends fresh ones; the seed is credited and the CRNG reseeded at once, so
 * getrandom() differs between copies from the next call on.
 */
static void set_identity(struct rd *r) {
  uint32_t id = rd32(r), n = 0, seedlen = 0, midlen = 0;
  char *name = rdstr(r, &n);
  uint32_t hi = rd32(r), lo = rd32(r), nsec = rd32(r);
  char *seed = rdstr(r, &seedlen), *mid = rdstr(r, &midlen);
  int err = 0; const char *what = "ok";
  if (r->bad || !name || !seed || !mid || seedlen > 512 || nsec >= 1000000000u) { err = EINVAL; what = "malformed IDENTITY"; goto out; }
  if (sethostname(name, n) != 0) { err = errno; what = "sethostname"; goto out; }
  struct timespec ts = {(time_t)(((uint64_t)hi << 32) | lo), (long)nsec};
  if (clock_settime(CLOCK_REALTIME, &ts) != 0) { err = errno; what = "clock_settime"; goto out; }
  struct { int entropy_count; int buf_size; unsigned char buf[512]; } ent;
  ent.entropy_count = (int)seedlen * 8; ent.buf_size = (int)seedlen; memcpy(ent.buf, seed, seedlen);
  int fd = open("/dev/urandom", O_RDWR | O_CLOEXEC);
  if (fd < 0 || ioctl(fd, RNDADDENTROPY, &ent) != 0 || ioctl(fd, RNDRESEEDCRNG) != 0) { err = errno; what = "entropy"; if (fd >= 0) close(fd); goto out; }
  close(fd);
  if (midlen) {
    fd = open("/etc/machine-id", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0444);
    if (fd < 0) { err = errno; what = "/etc/machine-id"; goto out; }
    write_all(fd, mid, midlen); write_all(fd, "\n", 1); close(fd);
  }
out:
  send_ack(id, err, err ? what : "ok");
  free(name); free(seed); free(mid);
}

static void handle(const unsigned char *b, uint32_t len) {
  if (len < 1) return;
  struct rd r = {b + 1, len - 1, 0};
  switch (b[0]) {
    case 1: start_exec(&r, 0); break;
    case 10: start_exec(&r, 1); break;
    case 11: { uint32_t id = rd32(&r); struct job *j = find_job(id); if (!r.bad && j && j->in_fd >= 0) { close(j->in_fd); j->in_fd = -1; } break; }
    case 2: { uint32_t id = rd32(&r); struct job *j = find_job(id); if (j) { j->flags |= 1; kill_job(j); } break; }
    case 3: write_file(&r); break;
    case 4: { uint32_t id = rd32(&r); send_ack(id, 0, "pong"); break; }
    case 5: sync(); reboot(RB_POWER_OFF); break;
    case 9: {
      uint32_t id = rd32(&r); uint32_t n = 0; char *name = rdstr(&r, &n);
      if (r.bad || !name) { send_ack(id, EINVAL, "malformed HOSTNAME"); free(name); break; }
      if (sethostname(name, n) != 0) send_ack(id, errno, strerror(errno)); else send_ack(id, 0, "ok");
      free(name); break;
    }
    case 12: set_identity(&r); break;
    case 6: start_pty(&r); break;
    case 7: pty_input(&r); break;
    case 8: pty_resize(&r); break;
  }
}

/* ---- boot --------------------------------------------------------------- */
static char cmdline[4096];
static const char *param(const char *key);

/* /etc/labkit/modules: "<group> <path>" lines in load order; only the groups
 * this boot needs are loaded (see MODULES in build-image.ts). */
static void load_modules(void) {
  FILE *f = fopen("/etc/labkit/modules", "re");
  if (!f) return;
  const char *ch = param("labkit.channel");
  int want_net = param("labkit.ip") != NULL, want_blk = param("labkit.root") != NULL;
  int want_vsock = ch && strcmp(ch, "vsock") == 0;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = 0;
    char *path = strchr(line, ' ');
    if (!path) continue;
    *path++ = 0;
    int want = strcmp(line, "base") == 0 || (want_net && strcmp(line, "net") == 0) ||
               (want_blk && strcmp(line, "blk") == 0) || (want_vsock && strcmp(line, "vsock") == 0);
    if (!want) continue;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { log_msg(path); continue; }
    if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST) log_msg(path);
    close(fd);
  }
  fclose(f);
}

static const char *param(const char *key) {
  static char val[512];
  size_t kl = strlen(key);
  for (char *p = cmdline; (p = strstr(p, key)); p += kl) {
    if ((p == cmdline || p[-1] == ' ') && p[kl] == '=') {
      size_t n = strcspn(p + kl + 1, " \n");
      if (n >= sizeof val) n = sizeof val - 1;
      memcpy(val, p + kl + 1, n); val[n] = 0; return val;
    }
  }
  return NULL;
}

static void run_quiet(char *const argv[]) {
  pid_t p = fork();
  if (p == 0) { execv(argv[0], argv); _exit(127); }
  if (p > 0) waitpid(p, NULL, 0);
}

static void boot(void) {
  mount("proc", "/proc", "proc", 0, NULL);
  mount("sysfs", "/sys", "sysfs", 0, NULL);
  mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
  int fd = open("/proc/cmdline", O_RDONLY);
  if (fd >= 0) { ssize_t n = read(fd, cmdline, sizeof cmdline - 1); if (n > 0) cmdline[n] = 0; close(fd); }
  load_modules();
  const char *root = param("labkit.root");
  if (root) {
    /* Fuller Debian image: switch to the ext4 root, keeping this process as PID 1. */
    mkdir("/newroot", 0755);
    for (int i = 0; i < 200 && access(root, F_OK) != 0; i++) usleep(10000);
    if (mount(root, "/newroot", "ext4", 0, NULL) == 0) {
      mount("/dev", "/newroot/dev", NULL, MS_MOVE, NULL);
      mount("/proc", "/newroot/proc", NULL, MS_MOVE, NULL);
      mount("/sys", "/newroot/sys", NULL, MS_MOVE, NULL);
      if (chdir("/newroot") == 0 && mount(".", "/", NULL, MS_MOVE, NULL) == 0 && chroot(".") == 0) chdir("/");
    } else log_msg("cannot mount labkit.root");
  }
  mkdir("/dev/pts", 0755); mount("devpts", "/dev/pts", "devpts", 0, NULL);
  mkdir("/dev/shm", 01777); mount("tmpfs", "/dev/shm", "tmpfs", 0, NULL);
  mount("tmpfs", "/tmp", "tmpfs", 0, "mode=1777");
  mount("tmpfs", "/run", "tmpfs", 0, "mode=0755");
  /* Where `examinerctl task input` leaves answers: any user may answer (the
   * learner is often laborant), like /tmp (sticky, so nobody replaces
   * another's file) but not listable. The engine takes an answer out of it
   * into a root-only folder before reading it (task-engine.ts). */
  mkdir("/run/labkit", 0755);
  if (mkdir("/run/labkit/input", 01733) == 0) chmod("/run/labkit/input", 01733);
  /* As systemd sets them on Debian (the kernel's default is 0, and no
   * systemd runs here): nobody follows another user's symlink in a sticky
   * world-writable folder (/tmp, /run/labkit/input), and nobody hard-links
   * a file they could not write (a root file into the input folder). */
  write_text("/proc/sys/fs/protected_symlinks", "1");
  write_text("/proc/sys/fs/protected_hardlinks", "1");
  if (mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL) == 0) {
    write_text("/sys/fs/cgroup/cgroup.subtree_control", "+pids");
    if (mkdir("/sys/fs/cgroup/labkit", 0755) == 0 || errno == EEXIST) {
      write_text("/sys/fs/cgroup/labkit/cgroup.subtree_control", "+pids");
      have_cgroups = 1;
    }
  }
  const char *host = param("labkit.hostname");
  if (host) sethostname(host, strlen(host));
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s >= 0) {
    struct ifreq ifr; memset(&ifr, 0, sizeof ifr); strcpy(ifr.ifr_name, "lo");
    if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) { ifr.ifr_flags |= IFF_UP; ioctl(s, SIOCSIFFLAGS, &ifr); }
    close(s);
  }
  const char *ip = param("labkit.ip"); /* e.g. 10.10.0.2/24 for multi-machine playgrounds */
  if (ip) {
    char addr[64]; snprintf(addr, sizeof addr, "%s", ip);
    char *a1[] = {"/sbin/ip", "link", "set", "eth0", "up", NULL}; run_quiet(a1);
    char *a2[] = {"/sbin/ip", "addr", "add", addr, "dev", "eth0", NULL}; run_quiet(a2);
  }
}

static int open_port(void) {
  for (int tries = 0; tries < 500; tries++) {
    DIR *d = opendir("/sys/class/virtio-ports");
    struct dirent *e;
    while (d && (e = readdir(d))) {
      if (e->d_name[0] == '.') continue;
      char p[300], name[64] = {0};
      snprintf(p, sizeof p, "/sys/class/virtio-ports/%s/name", e->d_name);
      int fd = open(p, O_RDONLY);
      if (fd < 0) continue;
      ssize_t n = read(fd, name, sizeof name - 1); close(fd);
      if (n > 0 && strncmp(name, "labkit.agent", 12) == 0) {
        snprintf(p, sizeof p, "/dev/%s", e->d_name);
        closedir(d);
        return open(p, O_RDWR | O_CLOEXEC);
      }
    }
    if (d) closedir(d);
    usleep(10000);
  }
  return -1;
}

/*
 * Firecracker has no virtio-serial: there the agent listens on vsock port
 * 1024 instead (`labkit.channel=vsock`), and the host reaches it through
 * Firecracker's hybrid vsock Unix socket (`CONNECT 1024`).
 */
static int vsock_listener = -1;
static int open_vsock(void) {
  if (vsock_listener < 0) {
    vsock_listener = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_vm a; memset(&a, 0, sizeof a);
    a.svm_family = AF_VSOCK; a.svm_cid = VMADDR_CID_ANY; a.svm_port = 1024;
    if (vsock_listener < 0 || bind(vsock_listener, (struct sockaddr *)&a, sizeof a) < 0 || listen(vsock_listener, 1) < 0) return -1;
  }
  return accept4(vsock_listener, NULL, NULL, SOCK_CLOEXEC);
}

int main(void) {
  if (getpid() == 1) boot();
  const char *channel = param("labkit.channel");
  int use_vsock = channel && strcmp(channel, "vsock") == 0;
  port = use_vsock ? open_vsock() : open_port();
  if (port < 0) { log_msg("no labkit.agent port"); sleep(1); reboot(RB_POWER_OFF); return 1; }
  sigset_t mask; sigemptyset(&mask); sigaddset(&mask, SIGCHLD); sigaddset(&mask, SIGPIPE);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  sigset_t chld; sigemptyset(&chld); sigaddset(&chld, SIGCHLD);
  int sfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
  fcntl(port, F_SETFL, O_NONBLOCK);
  send_frame(0x81, VERSION, sizeof VERSION - 1, NULL, 0);
  log_msg("ready"); /* its kmsg timestamp tells how long the boot took */

  unsigned char *in = malloc(MAX_FRAME + 4);
  uint32_t have = 0;
  for (;;) {
    struct pollfd pf[2 + 2 * MAX_JOBS]; struct job *who[2 + 2 * MAX_JOBS]; int ws[2 + 2 * MAX_JOBS];
    int n = 0;
    pf[n].fd = port; pf[n].events = POLLIN; who[n] = NULL; n++;
    pf[n].fd = sfd; pf[n].events = POLLIN; who[n] = NULL; n++;
    uint64_t now = now_ms(); int wait = -1;
    for (int i = 0; i < MAX_JOBS; i++) {
      struct job *j = &jobs[i];
      if (!j->used) continue;
      if (j->deadline_ms && !(j->flags & 1)) {
        if (now >= j->deadline_ms) { j->flags |= 1; kill_job(j); }
        else { int left = (int)(j->deadline_ms - now); if (wait < 0 || left < wait) wait = left; }
      }
      if (j->flags & 1) { kill_job(j); wait = (wait < 0 || wait > 100) ? 100 : wait; } /* keep killing until it is reaped */
      for (int s = 0; s < 2; s++) if (j->fd[s] >= 0) { pf[n].fd = j->fd[s]; pf[n].events = POLLIN; who[n] = j; ws[n] = s; n++; }
    }
    int r = poll(pf, (nfds_t)n, wait);
    if (r < 0) continue;
    if (pf[1].revents) { struct signalfd_siginfo si; while (read(sfd, &si, sizeof si) > 0) {} reap(); }
    for (int k = 2; k < n; k++) if (pf[k].revents && who[k]->used) pump(who[k], ws[k]);
    for (int i = 0; i < MAX_JOBS; i++)
      if (jobs[i].used && jobs[i].exited && jobs[i].fd[0] < 0 && jobs[i].fd[1] < 0) finish(&jobs[i]);
    if (pf[0].revents & POLLIN) {
      for (;;) {
        ssize_t got = read(port, in + have, MAX_FRAME + 4 - have);
        if (got <= 0) break;
        have += (uint32_t)got;
        while (have >= 4) {
          uint32_t len = get32(in);
          if (len > MAX_FRAME) { have = 0; break; } /* desynchronised: drop everything */
          if (have < 4 + len) break;
          handle(in + 4, len);
          memmove(in, in + 4 + len, have - 4 - len); have -= 4 + len;
        }
      }
    } else if (pf[0].revents & (POLLHUP | POLLERR)) {
      if (use_vsock) { /* the host hung up: take its next connection */
        close(port); have = 0;
        port = open_vsock();
        if (port >= 0) { fcntl(port, F_SETFL, O_NONBLOCK); send_frame(0x81, VERSION, sizeof VERSION - 1, NULL, 0); }
      } else usleep(20000); /* host side closed: wait for it to reconnect */
    }
  }
}
