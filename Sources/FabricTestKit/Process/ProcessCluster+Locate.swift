import Foundation
import Glibc

extension ProcessCluster {
    /// Environment variable naming the `fabric` binary to test, overriding every search.
    static let binaryKey = "FABRIC_BINARY"

    /// Finds a built executable product so tests can start it; nil if it is not built.
    ///
    /// Looks, in order: at `$FABRIC_BINARY` (for `fabric` only); in `packageRoot`'s
    /// `.build/debug` and `.build/release` when given; next to the running test executable (the
    /// products of the same build, whatever `--scratch-path` says); in `.build/debug` and
    /// `.build/release` under the current directory (where `swift test` runs). `swift build`
    /// builds every product; `swift test` alone may not build an executable no test links.
    ///
    /// ```swift
    /// let fabric = try #require(ProcessCluster.locateExecutable(named: "fabric"),
    ///                           "build it first: swift build --product fabric")
    /// ```
    public static func locateExecutable(named name: String, packageRoot: String? = nil) -> String? {
        let candidates = executableCandidates(
            named: name, packageRoot: packageRoot,
            environment: ProcessInfo.processInfo.environment,
            runningExecutable: runningExecutablePath(),
            currentDirectory: FileManager.default.currentDirectoryPath
        )
        return candidates.first(where: isExecutableFile)
    }

    /// Where `locateExecutable` looks, in order.
    static func executableCandidates(
        named name: String, packageRoot: String?, environment: [String: String],
        runningExecutable: String?, currentDirectory: String
    ) -> [String] {
        var candidates: [String] = []
        if name == "fabric", let binary = environment[binaryKey], !binary.isEmpty {
            candidates.append(binary)
        }
        if let packageRoot { candidates += buildProducts(named: name, under: packageRoot) }
        if let directory = runningExecutable.map(productsDirectory(ofRunning:)) {
            candidates.append("\(directory)/\(name)")
        }
        candidates += buildProducts(named: name, under: currentDirectory)
        return candidates
    }

    /// `ROOT/.build/debug/NAME` and `ROOT/.build/release/NAME`.
    private static func buildProducts(named name: String, under root: String) -> [String] {
        ["debug", "release"].map { "\(root)/.build/\($0)/\(name)" }
    }

    /// The directory holding the running executable, or the one holding its `.xctest` bundle.
    static func productsDirectory(ofRunning path: String) -> String {
        var directory = (path as NSString).deletingLastPathComponent
        while directory.contains(".xctest") {
            directory = (directory as NSString).deletingLastPathComponent
        }
        return directory
    }

    /// Whether `path` is a regular file this process may execute.
    static func isExecutableFile(_ path: String) -> Bool {
        var information = stat()
        guard stat(path, &information) == 0 else { return false }
        return information.st_mode & S_IFMT == S_IFREG && access(path, X_OK) == 0
    }

    /// The running executable's path, from `/proc/self/exe`.
    private static func runningExecutablePath() -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    }
}
