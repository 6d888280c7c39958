using System.Text.RegularExpressions;

namespace Scheduler.Tests.Docs;

/// <summary>
/// Keeps the docs honest: every C# block in README.md and docs/*.md must be a snippet quoted verbatim from a
/// sample under src/Samples or a test-kit example under tests/Scheduler.Testing.Tests/Examples, announced by
/// <c>&lt;!-- snippet:NAME --&gt;</c> on the line before its fence. The source marks the same code with
/// <c>// &lt;snippet:NAME&gt;</c> and <c>// &lt;/snippet:NAME&gt;</c>. Samples are compiled and run by CI, and
/// the kit's examples are NUnit tests that run with the suite, so a quoted block cannot show an API that does
/// not exist.
/// </summary>
public partial class DocSnippetTests
{
    private static readonly string[] s_csharpFences = ["```csharp", "```cs", "```c#"];

    // Where quoted code lives: the samples, and the test kit's examples, which are NUnit tests because that is
    // the code a user of the kit writes (docs/testing.md quotes them).
    private static readonly string[] s_snippetFolders = ["src/Samples", "tests/Scheduler.Testing.Tests/Examples"];

    public static IEnumerable<TestCaseData> DocFiles()
    {
        string root = FindRepositoryRoot();
        yield return new TestCaseData("README.md");
        foreach (string path in Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Order(StringComparer.Ordinal))
        {
            yield return new TestCaseData("docs/" + Path.GetFileName(path));
        }
    }

    [TestCaseSource(nameof(DocFiles))]
    public void CodeBlocks_InDoc_AreVerbatimSampleSnippets(string doc)
    {
        string root = FindRepositoryRoot();
        Dictionary<string, Snippet> snippets = ReadSampleSnippets(root, out List<string> markerProblems);
        Assert.That(markerProblems, Is.Empty, "The snippet markers in the samples are broken; see SampleSnippets_Markers_AreBalancedUniqueAndNonEmpty.");

        string text = File.ReadAllText(Path.Combine(root, doc));
        List<string> problems = CheckDoc(doc, text, snippets);

        if (problems.Count > 0)
        {
            Assert.Fail(string.Join(Environment.NewLine, problems));
        }
    }

    [Test]
    public void SampleSnippets_Markers_AreBalancedUniqueAndNonEmpty()
    {
        Dictionary<string, Snippet> snippets = ReadSampleSnippets(FindRepositoryRoot(), out List<string> problems);

        Assert.Multiple(() =>
        {
            Assert.That(problems, Is.Empty, string.Join(Environment.NewLine, problems));
            Assert.That(snippets, Is.Not.Empty, "No // <snippet:NAME> markers found under src/Samples or tests/Scheduler.Testing.Tests/Examples.");
        });
    }

    // The checker itself: each of these must fail when the checker is broken.

    [Test]
    public void CheckDoc_BlockMatchesWithOtherIndentation_NoProblem()
    {
        var snippets = ParseSnippets("Sample.cs", "class C\n{\n    // <snippet:Hello>\n    void M()\n    {\n        Go();   \n    }\n    // </snippet:Hello>\n}\n");
        string doc = "Intro\n<!-- snippet:Hello -->\n```csharp\nvoid M()\n{\n    Go();\n}\n```\n";

        Assert.That(CheckDoc("doc.md", doc, snippets), Is.Empty);
    }

    [Test]
    public void CheckDoc_BlockDiffers_ReportsDocSnippetFileAndLine()
    {
        var snippets = ParseSnippets("Sample.cs", "// <snippet:Hello>\nGo();\nStop();\n// </snippet:Hello>\n");
        string doc = "<!-- snippet:Hello -->\n```csharp\nGo();\nHalt();\n```\n";

        List<string> problems = CheckDoc("doc.md", doc, snippets);

        Assert.That(problems, Has.Count.EqualTo(1));
        Assert.That(problems[0], Does.Contain("doc.md:1").And.Contain("'Hello'").And.Contain("Sample.cs:1")
            .And.Contain("Halt();").And.Contain("Stop();"));
    }

    [Test]
    public void CheckDoc_SnippetMissing_ReportsDocAndName()
    {
        string doc = "<!-- snippet:Nowhere -->\n```csharp\nGo();\n```\n";

        List<string> problems = CheckDoc("doc.md", doc, new Dictionary<string, Snippet>());

        Assert.That(problems, Has.Count.EqualTo(1));
        Assert.That(problems[0], Does.Contain("doc.md:1").And.Contain("'Nowhere'").And.Contain("src/Samples"));
    }

    [Test]
    public void CheckDoc_CSharpBlockWithoutMarker_IsReported()
    {
        string doc = "text\n```csharp\nvar loop = new EventLoop();\n```\n\n```text\nnot code\n```\n";

        List<string> problems = CheckDoc("doc.md", doc, new Dictionary<string, Snippet>());

        Assert.That(problems, Has.Count.EqualTo(1));
        Assert.That(problems[0], Does.Contain("doc.md:2").And.Contain("snippet"));
    }

    [Test]
    public void CheckDoc_MarkerNotFollowedByFence_IsReported()
    {
        var snippets = ParseSnippets("Sample.cs", "// <snippet:Hello>\nGo();\n// </snippet:Hello>\n");
        string doc = "<!-- snippet:Hello -->\n\n```csharp\nGo();\n```\n";

        List<string> problems = CheckDoc("doc.md", doc, snippets);

        Assert.That(problems, Has.Some.Contains("doc.md:1").And.Some.Contains("must be followed"));
    }

    [Test]
    public void ParseSnippets_UnclosedAndDuplicate_AreReported()
    {
        var problems = new List<string>();
        var snippets = new Dictionary<string, Snippet>(StringComparer.Ordinal);

        ParseSnippets("A.cs", "// <snippet:One>\nx();\n// </snippet:One>\n// <snippet:Two>\ny();\n", snippets, problems);
        ParseSnippets("B.cs", "// <snippet:One>\nz();\n// </snippet:One>\n", snippets, problems);

        Assert.That(problems, Has.Count.EqualTo(2));
        Assert.That(problems, Has.Some.Contains("'Two'").And.Some.Contains("'One'"));
    }

    private static List<string> CheckDoc(string doc, string text, IReadOnlyDictionary<string, Snippet> snippets)
    {
        var problems = new List<string>();
        string[] lines = SplitLines(text);
        for (int i = 0; i < lines.Length; i++)
        {
            Match marker = DocMarker().Match(lines[i]);
            if (marker.Success)
            {
                string name = marker.Groups["name"].Value;
                if (i + 1 >= lines.Length || !IsCSharpFence(lines[i + 1]))
                {
                    problems.Add($"{doc}:{i + 1}: <!-- snippet:{name} --> must be followed directly by a ```csharp fence.");
                    continue;
                }

                int start = i + 2;
                int end = start;
                while (end < lines.Length && lines[end].Trim() != "```")
                {
                    end++;
                }

                if (end == lines.Length)
                {
                    problems.Add($"{doc}:{i + 2}: the code block of snippet '{name}' is never closed.");
                    break;
                }

                CompareBlock(doc, i + 1, name, lines[start..end], snippets, problems);
                i = end;
            }
            else if (IsCSharpFence(lines[i]))
            {
                problems.Add(
                    $"{doc}:{i + 1}: a C# block without a snippet marker. Quote it from a sample: put " +
                    "<!-- snippet:NAME --> on the line before the fence and wrap the code in the sample with " +
                    "// <snippet:NAME> ... // </snippet:NAME> (or use another fence language if it is not C#).");
                while (++i < lines.Length && lines[i].Trim() != "```")
                {
                }
            }
        }

        return problems;
    }

    private static void CompareBlock(
        string doc, int docLine, string name, string[] block, IReadOnlyDictionary<string, Snippet> snippets, List<string> problems)
    {
        if (!snippets.TryGetValue(name, out Snippet? snippet))
        {
            problems.Add($"{doc}:{docLine}: snippet '{name}' is not defined in any src/Samples/**/*.cs or tests/Scheduler.Testing.Tests/Examples/**/*.cs file " +
                $"(expected // <snippet:{name}> ... // </snippet:{name}>).");
            return;
        }

        string[] expected = Normalize(snippet.Lines);
        string[] actual = Normalize(block);
        int count = Math.Max(expected.Length, actual.Length);
        for (int i = 0; i < count; i++)
        {
            string? want = i < expected.Length ? expected[i] : null;
            string? got = i < actual.Length ? actual[i] : null;
            if (want != got)
            {
                problems.Add(
                    $"{doc}:{docLine}: snippet '{name}' differs from {snippet.File}:{snippet.Line} at line {i + 1} of the snippet:" +
                    $"{Environment.NewLine}  doc:    {got ?? "<end of block>"}" +
                    $"{Environment.NewLine}  sample: {want ?? "<end of snippet>"}");
                return;
            }
        }
    }

    private static Dictionary<string, Snippet> ReadSampleSnippets(string root, out List<string> problems)
    {
        problems = [];
        var snippets = new Dictionary<string, Snippet>(StringComparer.Ordinal);
        IEnumerable<string> files = s_snippetFolders
            .SelectMany(folder => Directory.GetFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            .Where(static f => !IsBuildOutput(f))
            .Order(StringComparer.Ordinal);
        foreach (string file in files)
        {
            string relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            ParseSnippets(relative, File.ReadAllText(file), snippets, problems);
        }

        return snippets;
    }

    private static Dictionary<string, Snippet> ParseSnippets(string file, string text)
    {
        var snippets = new Dictionary<string, Snippet>(StringComparer.Ordinal);
        var problems = new List<string>();
        ParseSnippets(file, text, snippets, problems);
        Assert.That(problems, Is.Empty);
        return snippets;
    }

    // Snippets may nest; marker lines of other snippets are left out of the quoted text.
    private static void ParseSnippets(string file, string text, Dictionary<string, Snippet> snippets, List<string> problems)
    {
        string[] lines = SplitLines(text);
        var open = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < lines.Length; i++)
        {
            if (SampleOpen().Match(lines[i]) is { Success: true } opening)
            {
                string name = opening.Groups["name"].Value;
                if (!open.TryAdd(name, i))
                {
                    problems.Add($"{file}:{i + 1}: snippet '{name}' is opened twice.");
                }
            }
            else if (SampleClose().Match(lines[i]) is { Success: true } closing)
            {
                string name = closing.Groups["name"].Value;
                if (!open.Remove(name, out int start))
                {
                    problems.Add($"{file}:{i + 1}: snippet '{name}' is closed but never opened.");
                    continue;
                }

                string[] body = lines[(start + 1)..i].Where(static l => !IsSampleMarker(l)).ToArray();
                if (Normalize(body).Length == 0)
                {
                    problems.Add($"{file}:{start + 1}: snippet '{name}' is empty.");
                }
                else if (snippets.TryGetValue(name, out Snippet? existing))
                {
                    problems.Add($"{file}:{start + 1}: snippet '{name}' is already defined in {existing.File}:{existing.Line}.");
                }
                else
                {
                    snippets.Add(name, new Snippet(file, start + 1, body));
                }
            }
        }

        foreach ((string name, int start) in open)
        {
            problems.Add($"{file}:{start + 1}: snippet '{name}' is never closed (expected // </snippet:{name}>).");
        }
    }

    /// <summary>Trailing whitespace, leading and trailing blank lines, and the common indentation are not significant.</summary>
    private static string[] Normalize(string[] lines)
    {
        var trimmed = lines.Select(static l => l.TrimEnd()).ToList();
        while (trimmed.Count > 0 && trimmed[0].Length == 0)
        {
            trimmed.RemoveAt(0);
        }

        while (trimmed.Count > 0 && trimmed[^1].Length == 0)
        {
            trimmed.RemoveAt(trimmed.Count - 1);
        }

        int indent = trimmed.Where(static l => l.Length > 0).Select(static l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return trimmed.Select(l => l.Length == 0 ? l : l[indent..]).ToArray();
    }

    private static bool IsCSharpFence(string line) => s_csharpFences.Contains(line.Trim(), StringComparer.OrdinalIgnoreCase);

    private static bool IsSampleMarker(string line) => SampleOpen().IsMatch(line) || SampleClose().IsMatch(line);

    private static bool IsBuildOutput(string path)
    {
        string separator = Path.DirectorySeparatorChar.ToString();
        return path.Contains(separator + "bin" + separator, StringComparison.Ordinal)
            || path.Contains(separator + "obj" + separator, StringComparison.Ordinal);
    }

    private static string[] SplitLines(string text) => text.ReplaceLineEndings("\n").Split('\n');

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Scheduler.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException(
            $"No Scheduler.sln found in {TestContext.CurrentContext.TestDirectory} or any folder above it.");
    }

    [GeneratedRegex(@"^\s*<!--\s*snippet:(?<name>[\w.-]+)\s*-->\s*$")]
    private static partial Regex DocMarker();

    [GeneratedRegex(@"^\s*//\s*<snippet:(?<name>[\w.-]+)>\s*$")]
    private static partial Regex SampleOpen();

    [GeneratedRegex(@"^\s*//\s*</snippet:(?<name>[\w.-]+)>\s*$")]
    private static partial Regex SampleClose();

    private sealed record Snippet(string File, int Line, string[] Lines);
}
