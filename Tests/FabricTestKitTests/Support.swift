import Foundation
import Glibc
import Synchronization
@testable import FabricTestKit

/// A scratch directory for one test, removed when the test drops it.
final class ScratchDirectory: Sendable {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.path
        var template = Array("\(base)/fabric-testkit-tests-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else { throw TestKitError(.system, "mkdtemp failed") }
        path = String(cString: created)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes an executable shell script and returns its path.
    func script(_ name: String, _ body: String) throws -> String {
        let file = "\(path)/\(name)"
        try ("#!/bin/sh\n" + body).write(toFile: file, atomically: true, encoding: .utf8)
        guard chmod(file, 0o755) == 0 else { throw TestKitError(.system, "chmod failed") }
        return file
    }
}

/// A node script that does what the test tells it: it prints its arguments, environment and
/// ready line, then echoes whatever the test drops into its control files (`say`).
final class PuppetShow: Sendable {
    let scratch: ScratchDirectory
    let executable: String
    private let counter = Mutex(0)

    init() throws {
        scratch = try ScratchDirectory()
        executable = try scratch.script("puppet", Self.body(controlDirectory: scratch.path))
    }

    /// Makes `node` print `lines` (in order, after anything said before) and waits until it has.
    func say(to node: NodeProcess, _ lines: String...) async throws {
        let number = counter.withLock { count in
            count += 1
            return count
        }
        let receipt = "said \(number)."
        let text = (lines + [receipt]).map { $0 + "\n" }.joined()
        let final = "\(scratch.path)/\(node.name).\(String(format: "%06d", number)).say"
        try text.write(toFile: final + ".tmp", atomically: false, encoding: .utf8)
        guard rename(final + ".tmp", final) == 0 else { throw TestKitError(.system, "rename failed") }
        _ = try await node.waitForLine(containing: receipt, timeout: patience)
    }

    /// Makes `node` print `peer-up` for each of `peers` and waits until it has.
    func peerUp(_ node: NodeProcess, _ peers: String...) async throws {
        for peer in peers { try await say(to: node, NodeEvent.peerUp(node: peer).line) }
    }

    private static func body(controlDirectory: String) -> String {
        """
        name=""; listen=""; seeds=""
        while [ $# -gt 0 ]; do
          case "$1" in
            --name) name="$2"; shift 2;;
            --listen) listen="$2"; shift 2;;
            --seed) seeds="$seeds $2"; shift 2;;
            *) shift;;
          esac
        done
        echo "args name=$name listen=$listen seeds=[$seeds ]"
        echo "env parent=$FABRIC_EXIT_WITH_PARENT custom=$CUSTOM"
        printf '2026-01-01T00:00:00Z info %sready node=%s listen=%s generation=%x\\n' \
          'fabric-event ' "$name" "$listen" "$$"
        control="\(controlDirectory)/$name"
        while true; do
          for file in "$control".*.say; do
            [ -e "$file" ] || continue
            mv -f "$file" "$file.taken" || continue  # taken before printed: a restart never repeats it
            cat "$file.taken"; rm -f "$file.taken"
          done
          sleep 0.02
        done
        """
    }
}

/// Whether process `pid` is gone: no such process, or a zombie nobody reaped yet (a
/// grandchild's parent here may be a PID 1 that never reaps).
func isDead(_ pid: Int32) -> Bool {
    if kill(pid, 0) != 0 && errno == ESRCH { return true }
    return processState(pid) == "Z"
}

/// The state letter from `/proc/PID/stat` (R, S, T, Z, ...), nil if the process is gone.
func processState(_ pid: Int32) -> Character? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return nil }
    return stat[stat.index(after: close)...].first(where: { $0 != " " })
}

/// Polls `condition` for up to `timeout`; returns whether it became true.
func eventually(within timeout: Duration = .seconds(20), _ condition: () -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    return try await Polling.value(until: deadline) { condition() ? true : nil } ?? false
}

/// Timeout for things that should happen: generous, the machine is shared.
let patience: Duration = .seconds(20)
/// Timeout for things that should not happen: the test only waits this long to see it fail.
let briefly: Duration = .milliseconds(300)
