/* Docker's default capabilities for a non-privileged container, applied with libcap the way Docker
 * (moby oci.SetCapabilities + runc) does: bounding = the default set for everyone; for uid 0,
 * effective = permitted = the set; for other users effective and permitted empty (what execve gives
 * a non-root user); inheritable and ambient always empty. */
#include "runtime/internal.h"

#include <errno.h>
#include <pthread.h>
#include <sys/capability.h>
#include <sys/prctl.h>

static const cap_value_t docker_caps[] = {
	CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_FSETID,     CAP_FOWNER,           CAP_MKNOD,       CAP_NET_RAW, CAP_SETGID,
	CAP_SETUID, CAP_SETFCAP,      CAP_SETPCAP,    CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,  CAP_KILL,    CAP_AUDIT_WRITE,
};
#define N_DOCKER_CAPS (sizeof(docker_caps) / sizeof(docker_caps[0]))

static bool is_default(cap_value_t c)
{
	for (size_t i = 0; i < N_DOCKER_CAPS; i++)
		if (docker_caps[i] == c)
			return true;
	return false;
}

int rt_caps_drop_bounding(void)
{
	/* cap_max_bits() is what the running kernel knows, which may exceed libcap's CAP_LAST_CAP. */
	for (cap_value_t c = 0; c < (cap_value_t)cap_max_bits(); c++) {
		if (is_default(c))
			continue;
		if (cap_drop_bound(c) < 0 && errno != EINVAL)
			return -1;
	}
	return 0;
}

/* The two sets rt_caps_apply installs, made once in the parent: cap_init allocates, and the child of
 * a multi-threaded pare must not (an allocator lock held by another thread at the fork stays held). */
static cap_t caps_root, caps_user;
static pthread_once_t caps_once = PTHREAD_ONCE_INIT;

static void caps_make(void)
{
	cap_t r = cap_init(), u = cap_init(); /* all clear */
	if (r && u && cap_set_flag(r, CAP_EFFECTIVE, N_DOCKER_CAPS, docker_caps, CAP_SET) == 0 &&
	    cap_set_flag(r, CAP_PERMITTED, N_DOCKER_CAPS, docker_caps, CAP_SET) == 0) {
		caps_root = r;
		caps_user = u;
		return;
	}
	cap_free(r);
	cap_free(u);
}

void rt_caps_prepare(void)
{
	pthread_once(&caps_once, caps_make);
}

int rt_caps_apply(uid_t uid)
{
	cap_t caps = uid == 0 ? caps_root : caps_user;
	if (!caps) { /* rt_caps_prepare was not called, or libcap could not allocate */
		errno = ENOMEM;
		return -1;
	}
	if (cap_set_proc(caps) < 0)
		return -1;
	/* Ambient: empty (and there is nothing to raise without inheritable anyway). */
	if (CAP_AMBIENT_SUPPORTED() && cap_reset_ambient() < 0)
		return -1;
	return 0;
}
