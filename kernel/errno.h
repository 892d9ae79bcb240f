/* SPDX-License-Identifier: MIT */
/* Error codes: functions return 0 or a negative one of these (Linux values, so host tests agree). */
#ifndef BASALT_ERRNO_H
#define BASALT_ERRNO_H

#ifndef EPERM
#define EPERM 1
#define ENOENT 2
#define EIO 5
#define EAGAIN 11
#define E2BIG 7
#define ENOMEM 12
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENOSPC 28
#define EROFS 30
#define ERANGE 34
#define ENOSYS 38
#define ENOTSUP 95
#define EOPNOTSUPP 95
#endif
/* Basalt's own, never a libc value: the failure was already explained on the console with a line
 * naming what was wrong, so the caller refuses without a second, vaguer line. */
#define EREPORTED 4096

#endif
