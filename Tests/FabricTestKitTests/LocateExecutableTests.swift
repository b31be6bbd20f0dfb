import Glibc
import Testing
@testable import FabricTestKit

@Suite struct LocateExecutableTests {
    @Test func searchOrder() {
        let candidates = ProcessCluster.executableCandidates(
            named: "fabric", packageRoot: "/pkg", environment: ["FABRIC_BINARY": "/opt/fabric"],
            runningExecutable: "/scratch/debug/FabricPackageTests.xctest", currentDirectory: "/cwd"
        )
        #expect(candidates == [
            "/opt/fabric", "/pkg/.build/debug/fabric", "/pkg/.build/release/fabric",
            "/scratch/debug/fabric", "/cwd/.build/debug/fabric", "/cwd/.build/release/fabric",
        ])
    }

    @Test func fabricBinaryOnlyNamesFabric() {
        let candidates = ProcessCluster.executableCandidates(
            named: "sample", packageRoot: nil, environment: ["FABRIC_BINARY": "/opt/fabric"],
            runningExecutable: nil, currentDirectory: "/cwd"
        )
        #expect(candidates == ["/cwd/.build/debug/sample", "/cwd/.build/release/sample"])
    }

    @Test func productsDirectoryOfABundle() {
        let bundled = "/b/debug/T.xctest/Contents/MacOS/T"
        #expect(ProcessCluster.productsDirectory(ofRunning: bundled) == "/b/debug")
        #expect(ProcessCluster.productsDirectory(ofRunning: "/b/debug/T.xctest") == "/b/debug")
    }

    @Test func findsOnlyExecutableFiles() throws {
        let scratch = try ScratchDirectory()
        let root = scratch.path
        for configuration in ["debug", "release"] {
            #expect(mkdir("\(root)/.build", 0o755) == 0 || errno == EEXIST)
            #expect(mkdir("\(root)/.build/\(configuration)", 0o755) == 0)
        }
        try "not executable".write(toFile: "\(root)/.build/debug/tool", atomically: true, encoding: .utf8)
        #expect(mkdir("\(root)/.build/debug/dir", 0o755) == 0)
        let release = try scratch.script(".build/release/tool", "true")
        #expect(ProcessCluster.locateExecutable(named: "tool", packageRoot: root) == release)
        #expect(ProcessCluster.locateExecutable(named: "dir", packageRoot: root) == nil)
        #expect(ProcessCluster.locateExecutable(named: "absent-\(getpid())", packageRoot: root) == nil)
    }
}
