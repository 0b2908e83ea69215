using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PeJit.Cli.Commands;

/// <summary>
/// Adds the runtime assemblies to an application's <c>.deps.json</c>: with one present, the host loads only
/// the assemblies it lists, so a JIT-enabled application must list PeJit.Runtime and what it needs.
/// </summary>
public static class DepsFile
{
    /// <summary>The deps file <paramref name="json"/> with a library holding <paramref name="files"/> not listed already.</summary>
    public static string AddRuntime(string json, IReadOnlyList<string> files, AssemblyName runtime)
    {
        var root = JsonNode.Parse(json)?.AsObject() ?? throw new JsonException("the deps file is empty");
        var targets = root["targets"]?.AsObject();
        var libraries = root["libraries"]?.AsObject();
        if (targets is null || libraries is null) return json;
        string library = $"{runtime.Name}/{runtime.Version}";
        foreach (var (_, target) in targets)
        {
            if (target is not JsonObject packages || packages.Count == 0) continue;
            var listed = packages.Select(p => p.Value?["runtime"]?.AsObject()).OfType<JsonObject>()
                .SelectMany(r => r.Select(a => Path.GetFileName(a.Key))).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var assets = new JsonObject();
            foreach (string file in files.Select(f => Path.GetFileName(f)).Where(f => !listed.Contains(f))) assets[file] = new JsonObject();
            if (assets.Count == 0) continue;
            packages[library] = new JsonObject { ["runtime"] = assets };
            // The application (the first entry) depends on it, so the host loads it.
            if (packages.First().Value is JsonObject application)
            {
                var dependencies = application["dependencies"] as JsonObject ?? [];
                dependencies[runtime.Name!] = runtime.Version!.ToString();
                application["dependencies"] = dependencies;
            }
        }
        libraries[library] = new JsonObject { ["type"] = "project", ["serviceable"] = false, ["sha512"] = "" };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
