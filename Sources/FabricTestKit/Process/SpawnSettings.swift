import Glibc

/// `posix_spawn` file actions for a node: stdin from `/dev/null`, stdout and stderr to the log,
/// every other descriptor closed.
struct SpawnFileActions {
    var value = posix_spawn_file_actions_t()

    init(logDescriptor: Int32) {
        posix_spawn_file_actions_init(&value)
        posix_spawn_file_actions_addopen(&value, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&value, logDescriptor, 1)
        posix_spawn_file_actions_adddup2(&value, logDescriptor, 2)
        if let closeFrom = Self.closeFrom {
            _ = closeFrom(&value, 3)
        }
    }

    mutating func destroy() {
        posix_spawn_file_actions_destroy(&value)
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), looked up at run time
    /// because the Glibc module does not declare GNU extensions. Without it, descriptors other
    /// threads opened without `O_CLOEXEC` (sockets, pipe ends) would live on in the node and
    /// keep ports bound or pipes open after their owners closed them.
    private static let closeFrom: CloseFrom? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np")
        else { return nil }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()

    private typealias CloseFrom = @convention(c) (
        UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32
    ) -> Int32
}

/// `posix_spawn` attributes for a node: its own process group, an empty signal mask and every
/// signal back to its default action.
struct SpawnAttributes {
    var value = posix_spawnattr_t()

    init() {
        posix_spawnattr_init(&value)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&value, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        sigdelset(&allSignals, SIGKILL)
        sigdelset(&allSignals, SIGSTOP)
        posix_spawnattr_setsigdefault(&value, &allSignals)
        posix_spawnattr_setpgroup(&value, 0)
        let flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP
        posix_spawnattr_setflags(&value, Int16(flags))
    }

    mutating func destroy() {
        posix_spawnattr_destroy(&value)
    }
}
