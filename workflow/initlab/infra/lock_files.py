"""Lock directories and lock files that other local users may reach (docs/security.md).

A directory is checked through an open file descriptor, so it cannot be swapped between the check and
its use: a directory (not a symlink) of this user's that group and others cannot write, or an
administrator's (owned by root) that is sticky or not writable by others. Files in it are opened
relative to that descriptor without following symlinks and without blocking (a FIFO, a device), and
must be regular files; a caller writes only into a file of this user's with a single link (a hard link
could name another file of this user's).
"""

import errno
import os
import pwd
import stat
from pathlib import Path

OPEN = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # never through a symlink, never wait on a FIFO


class UnsafeLockPath(RuntimeError):
    """A lock directory or file that another user could control, or that is no directory / regular file."""


def owner(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def describe(path):
    """What is at `path`, in words, for an error message (lstat: a symlink is named as one)."""
    try:
        st = os.lstat(path)
    except OSError as err:
        return f"unreadable ({err.strerror})"
    kinds = {stat.S_IFLNK: "symlink", stat.S_IFDIR: "directory", stat.S_IFREG: "regular file",
             stat.S_IFIFO: "FIFO", stat.S_IFSOCK: "socket", stat.S_IFCHR: "character device",
             stat.S_IFBLK: "block device"}
    kind = kinds.get(stat.S_IFMT(st.st_mode), "special file")
    return f"a {kind} owned by {owner(st.st_uid)}, mode {stat.S_IMODE(st.st_mode):o}"


def trusted(st):
    """Whether a directory's stat shows that no other user (but root) can change its entries: this user's
    and not writable by group or others; or root's and sticky (a sticky directory's entries can be renamed
    or removed only by their owners) or not writable by others."""
    others_write = st.st_mode & 0o022
    return ((st.st_uid == os.geteuid() and not others_write)
            or (st.st_uid == 0 and (not others_write or st.st_mode & stat.S_ISVTX)))


def is_safe_dir(path, missing_ok=False, private=False):
    """Whether `path` is a trusted directory, not a symlink (`private`: and mode 700)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return missing_ok
    return stat.S_ISDIR(st.st_mode) and trusted(st) and not (private and st.st_mode & 0o077)


def open_dir(path, expected):
    """A file descriptor of directory `path`, created mode 700 if missing (its parents as the umask says);
    UnsafeLockPath naming what is there and `expected` unless it is a trusted directory."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | OPEN)
    except OSError as err:
        if err.errno not in (errno.ELOOP, errno.ENOTDIR, errno.EACCES):
            raise
        raise UnsafeLockPath(f"lock directory {path} is {describe(path)}: {expected}") from None
    st = os.fstat(fd)
    if not trusted(st):
        os.close(fd)
        raise UnsafeLockPath(f"lock directory {path} is a directory owned by {owner(st.st_uid)}, "
                             f"mode {stat.S_IMODE(st.st_mode):o}: {expected}")
    return fd


def open_lock(dir_fd, path, mode, advice):
    """Open lock file `path` (its name, in the directory `dir_fd`), creating it with `mode` if missing.

    Returns (fd, writable): writable when it is this user's, opened for writing and has one link.
    Existing files are opened without O_CREAT: with fs.protected_regular, O_CREAT on another user's
    file in a sticky directory is refused even where the file's mode allows writing. PermissionError or
    UnsafeLockPath name the file, what is there and `advice`.
    """
    path, name = Path(path), Path(path).name
    try:
        fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_EXCL | OPEN, mode, dir_fd=dir_fd)
        os.fchmod(fd, mode)  # whatever the umask
        return fd, True
    except FileExistsError:
        pass
    except PermissionError as err:
        raise PermissionError(f"cannot create lock file {path}: its directory is {describe(path.parent)} and this "
                              f"user may not add files; expected mode 1777 for a directory every user shares; "
                              f"{advice}") from err
    writable = True
    try:
        try:
            fd = os.open(name, os.O_RDWR | OPEN, dir_fd=dir_fd)
        except PermissionError:
            fd, writable = os.open(name, os.O_RDONLY | OPEN, dir_fd=dir_fd), False
    except FileNotFoundError:
        return open_lock(dir_fd, path, mode, advice)  # removed meanwhile
    except PermissionError as err:
        raise PermissionError(f"lock file {path} is {describe(path)} and this user cannot open it; expected "
                              f"a file every user can read (mode {mode:o}); {advice}") from err
    except OSError as err:  # ELOOP: a symlink; EISDIR; ENXIO: a socket
        raise UnsafeLockPath(f"lock file {path} is {describe(path)}: expected a regular file; {advice}") from err
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise UnsafeLockPath(f"lock file {path} is {describe(path)}: expected a regular file; {advice}")
    return fd, writable and st.st_uid == os.geteuid() and st.st_nlink == 1


def read_heads(directory, prefix, suffix, limit):
    """{name: first `limit` bytes} of the regular files named prefix*suffix in `directory`, read without
    following symlinks or blocking; anything else (or an unreadable directory) is left out."""
    heads = {}
    try:
        dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | OPEN)
    except OSError:
        return heads
    try:
        for name in sorted(os.listdir(dir_fd)):
            if not (name.startswith(prefix) and name.endswith(suffix)):
                continue
            try:
                fd = os.open(name, os.O_RDONLY | OPEN, dir_fd=dir_fd)
            except OSError:
                continue
            try:
                if stat.S_ISREG(os.fstat(fd).st_mode):
                    heads[name] = os.read(fd, limit)
            finally:
                os.close(fd)
    finally:
        os.close(dir_fd)
    return heads
