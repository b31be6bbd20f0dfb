import Foundation
import Glibc

/// The node side of `FABRIC_EXIT_WITH_PARENT`: a node started by the test harness exits as soon
/// as the test process is gone, so a crashed or killed test run leaves no nodes behind.
///
/// The harness sets the variable to its own pid in every node's environment. A node executable
/// (the `fabric` CLI) calls `exitWithParentIfRequested()` first thing; outside a test the
/// variable is absent and nothing happens.
///
/// A background thread looks every `interval` whether the process is still there. Two signs
/// count: `kill(pid, 0)` fails with ESRCH, or, when the watched process was this one's parent,
/// this process got a new parent (it was reparented; that also covers a pid reused meanwhile).
package enum ParentWatch {
    /// The environment variable holding the pid to watch.
    package static let environmentKey = "FABRIC_EXIT_WITH_PARENT"

    /// How often the watching thread looks.
    static let interval: Duration = .milliseconds(200)

    /// Starts watching the process named by `FABRIC_EXIT_WITH_PARENT`, if set, and exits this
    /// process (`_exit(1)`, nothing flushed: the test run that wanted the output is gone) once it
    /// is gone. Returns whether a watch was started; a malformed value is reported on stderr.
    @discardableResult
    package static func exitWithParentIfRequested(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Bool {
        guard let value = environment[environmentKey] else { return false }
        guard let pid = pid_t(value), pid > 1 else {
            let warning = "ignoring \(environmentKey)=\(value): not a process id\n"
            FileHandle.standardError.write(Data(warning.utf8))
            return false
        }
        watch(pid) { _exit(1) }
        return true
    }

    /// Calls `onGone` on a background thread once process `pid` is gone.
    static func watch(_ pid: pid_t, onGone: @escaping @Sendable () -> Void) {
        let wasParent = getppid() == pid
        let thread = Thread {
            while !isGone(pid, wasParent: wasParent) {
                Thread.sleep(forTimeInterval: seconds(interval))
            }
            onGone()
        }
        thread.name = "fabric-parent-watch"
        thread.start()
    }

    /// Whether process `pid` no longer exists (a zombie still exists).
    static func isGone(_ pid: pid_t, wasParent: Bool) -> Bool {
        if wasParent, getppid() != pid { return true }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    /// `duration` in seconds, for `Thread.sleep`.
    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
