import Foundation
import Testing

/// DESIGN.md §1 and §3, kept true by reading the sources: no package dependencies, the
/// dependency rules between modules, and nothing impure in the pure modules.
@Suite struct PackageRulesTests {
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return url
    }()

    static func packageText() throws -> String {
        try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
    }

    /// The `dependencies:` list of target `name` in Package.swift.
    static func dependencies(of name: String, in text: String) -> [String]? {
        guard let range = text.range(of: "name: \"\(name)\"") else { return nil }
        let rest = text[range.upperBound...]
        let end = rest.range(of: ".target(")?.lowerBound ?? rest.range(of: ".executableTarget(")?.lowerBound
            ?? rest.range(of: ".testTarget(")?.lowerBound ?? rest.endIndex
        let declaration = rest[..<end]
        guard let open = declaration.range(of: "dependencies: [") else { return [] }
        let list = declaration[open.upperBound...].prefix { $0 != "]" }
        return list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            .filter { !$0.isEmpty }
    }

    /// The protocol cores: pure values that depend on FabricCore alone (DESIGN.md §2).
    static let cores = ["MembershipCore", "HealthCore", "RaftCore"]

    @Test func noPackageDependencies() throws {
        let text = try Self.packageText()
        #expect(!text.contains(".package("), "Package.swift must not declare package dependencies")
        #expect(!text.contains("unsafeFlags"), "unsafe flags would stop Fabric being used as a dependency")
    }

    @Test func dependencyRules() throws {
        let text = try Self.packageText()
        #expect(Self.dependencies(of: "FabricCore", in: text) == [])
        let wire = try #require(Self.dependencies(of: "FabricWire", in: text))
        #expect(Set(wire).isSubset(of: ["FabricCore", "CFabricZstd"]), "FabricWire depends on \(wire)")
        for core in Self.cores {
            #expect(Self.dependencies(of: core, in: text) == ["FabricCore"], "\(core) must depend on FabricCore alone")
        }
        let simulation = try #require(Self.dependencies(of: "FabricSimulation", in: text))
        #expect(Set(simulation).isSubset(of: Set(Self.cores + ["FabricCore"])),
                "FabricSimulation drives cores only (never the reactor or the transport): \(simulation)")
        for module in ["FabricActorSystem", "Fabric", "FabricTestKit", "FabricCore", "FabricWire"] {
            let dependencies = try #require(Self.dependencies(of: module, in: text), "no target \(module)")
            #expect(!dependencies.contains("CFabricOpenSSL"), "\(module) must not touch OpenSSL directly")
            #expect(!dependencies.contains("CFabricShims"), "\(module) must not touch sockets directly")
        }
    }

    @Test func pureModulesStayPure() throws {
        let forbidden = ["import Glibc", "import Foundation", "Foundation.Date()", "Date()", ".now", "Task {",
                         "Task.detached", "DispatchQueue", "import Dispatch", "SystemRandomNumberGenerator", "clock_gettime"]
        for module in ["FabricCore", "FabricWire"] + Self.cores + ["FabricSimulation"] {
            let directory = Self.root.appendingPathComponent("Sources/\(module)")
            let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)?
                .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
            #expect(!files.isEmpty, "no sources found for \(module)")
            for file in files {
                let text = try String(contentsOf: file, encoding: .utf8)
                let code = text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }
                    .joined(separator: "\n")
                for token in forbidden {
                    #expect(!code.contains(token), "\(module)/\(file.lastPathComponent) uses \(token)")
                }
            }
        }
    }
}
