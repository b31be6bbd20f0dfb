import Glibc
import Synchronization
import Testing
@testable import FabricTestKit

@Suite struct ParentWatchTests {
    @Test func startsOnlyForAProcessId() {
        #expect(!ParentWatch.exitWithParentIfRequested(environment: [:]))
        #expect(!ParentWatch.exitWithParentIfRequested(environment: ["FABRIC_EXIT_WITH_PARENT": "abc"]))
        #expect(!ParentWatch.exitWithParentIfRequested(environment: ["FABRIC_EXIT_WITH_PARENT": "1"]))
        #expect(!ParentWatch.exitWithParentIfRequested(environment: ["FABRIC_EXIT_WITH_PARENT": "-5"]))
    }

    @Test func seesAProcessGo() async throws {
        let scratch = try ScratchDirectory()
        let node = NodeProcess(name: "parent", port: 1, executable: "/bin/sh", logDirectory: scratch.path,
                               arguments: NodeArguments { _, _ in ["-c", "exec sleep 60"] })
        try node.start()
        let pid = try #require(node.pid)
        #expect(!ParentWatch.isGone(pid, wasParent: false))
        #expect(!ParentWatch.isGone(getppid(), wasParent: true))
        let gone = Mutex(false)
        ParentWatch.watch(pid) { gone.withLock { $0 = true } }
        node.kill()
        #expect(ParentWatch.isGone(pid, wasParent: false))
        #expect(try await eventually { gone.withLock { $0 } })
    }
}
