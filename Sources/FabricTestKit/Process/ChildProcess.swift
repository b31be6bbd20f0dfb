import FabricCore
import Glibc

/// The harness's only contact with process management: spawn, signal, reap.
///
/// A child is spawned with `posix_spawn` into a process group of its own (so a signal reaches
/// the node and anything it started, such as the commands of a shell script), with an empty
/// signal mask and default signal handlers (whatever the test process blocks or ignores does not
/// leak into the node), stdin from `/dev/null`, stdout and stderr appended to its log file, and
/// no other inherited file descriptors. Children are reaped by their own pid only: nothing here
/// installs a SIGCHLD handler or waits for "any child", which would steal other tests' children.
enum ChildProcess {
    /// Starts `executable` and returns its pid. A busy executable (ETXTBSY) is tried again, up
    /// to `Limits.testKitSpawnAttemptsMax` times.
    static func spawn(
        executable: String, arguments: [String], environment: [String: String], logPath: String
    ) throws -> pid_t {
        let logDescriptor = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o644)
        guard logDescriptor >= 0 else {
            throw TestKitError(.system, "cannot create log file \(logPath): \(systemErrorText(errno))")
        }
        defer { close(logDescriptor) }
        var actions = SpawnFileActions(logDescriptor: logDescriptor)
        defer { actions.destroy() }
        var attributes = SpawnAttributes()
        defer { attributes.destroy() }
        let commandLine = [executable] + arguments
        let variables = environment.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        var result: Int32 = 0
        for attempt in 1...Limits.testKitSpawnAttemptsMax {
            result = withCStringArray(commandLine) { argv in
                withCStringArray(variables) { envp in
                    posix_spawn(&pid, executable, &actions.value, &attributes.value, argv, envp)
                }
            }
            guard result == ETXTBSY, attempt < Limits.testKitSpawnAttemptsMax else { break }
            usleep(busyExecutableRetryMicroseconds)
        }
        guard result == 0 else {
            throw TestKitError(.spawnFailed, "cannot start \(executable): \(systemErrorText(result))")
        }
        return pid
    }

    /// The pause before trying a busy executable again: a racing fork holds it open for writing
    /// only until that child execs or exits, well under a millisecond usually.
    private static let busyExecutableRetryMicroseconds: useconds_t = 10_000

    /// Sends `signal` to the child's whole process group. Only call while the child is not yet
    /// reaped: until then its pid, and so its group id, cannot belong to anyone else.
    static func signalGroup(of pid: pid_t, _ signal: Int32) {
        _ = kill(-pid, signal)
    }

    /// Whether the child has exited, without reaping it (its pid stays reserved).
    static func hasExited(_ pid: pid_t) -> Bool {
        while true {
            var information = siginfo_t()
            if waitid(P_PID, id_t(pid), &information, WEXITED | WNOHANG | WNOWAIT) == 0 {
                return information._sifields._sigchld.si_pid == pid
            }
            if errno == EINTR { continue }
            return true  // ECHILD: not our child any more, so not running as one.
        }
    }

    /// Kills whatever is left of the child's process group and reaps the child, waiting for it
    /// to terminate. Returns its status in shell convention (`exitStatus(fromWaitStatus:)`).
    static func killGroupAndReap(_ pid: pid_t) -> Int32 {
        signalGroup(of: pid, SIGKILL)
        var status: Int32 = 0
        while true {
            if waitpid(pid, &status, 0) == pid { return exitStatus(fromWaitStatus: status) }
            if errno == EINTR { continue }
            return -1  // ECHILD: someone else reaped it; its status is lost.
        }
    }

    /// A `waitpid` status as a shell reports it: the exit code, or 128 + the signal number for a
    /// child killed by a signal (137 after SIGKILL).
    static func exitStatus(fromWaitStatus status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Runs `body` with `strings` as a NULL-terminated array of C strings.
    private static func withCStringArray<Result>(
        _ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Result
    ) -> Result {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { pointers.forEach { free($0) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
