using System.Reflection;
using System.Xml.Linq;

namespace Scheduler.Tests.PublicApi;

/// <summary>
/// Rules of the public surface that reviews forget and tests do not: concrete public classes are sealed unless
/// built for inheritance, "Async" names only Task-returning members, and every public type and member is
/// documented (the build already fails on missing XML docs; this pins that the docs file ships). Checked for every
/// shipped assembly: the library, its hosting package and its test kit.
/// </summary>
public class ConventionTests
{
    // Built for inheritance inside the library: Coroutine<T> derives from Coroutine.
    private static readonly HashSet<Type> s_openForInheritance = [typeof(Coroutine)];

    private static IEnumerable<Type> PublicTypes => PublicApiTests.s_shipped.SelectMany(PublicApiTests.PublicTypes);

    [Test]
    public void PublicConcreteClasses_AreSealed()
    {
        string[] unsealed = PublicTypes
            .Where(t => t.IsClass && !t.IsAbstract && !t.IsSealed && !s_openForInheritance.Contains(t))
            .Select(t => t.FullName!)
            .ToArray();

        Assert.That(unsealed, Is.Empty, "public concrete classes must be sealed (or listed as built for inheritance)");
    }

    [Test]
    public void AsyncSuffix_OnlyOnTaskReturningMembers()
    {
        string[] wrong = PublicTypes
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => m.Name.EndsWith("Async", StringComparison.Ordinal) && !IsTaskLike(m.ReturnType))
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}")
            .ToArray();

        Assert.That(wrong, Is.Empty, "members named *Async must return Task, Task<T>, ValueTask or ValueTask<T>");
    }

    [Test]
    public void PublicTypes_AreDocumented()
    {
        var documented = new HashSet<string?>();
        foreach (Assembly assembly in PublicApiTests.s_shipped)
        {
            string xmlPath = Path.ChangeExtension(assembly.Location, ".xml");
            Assert.That(File.Exists(xmlPath), Is.True, $"the XML documentation file ships beside the assembly: {xmlPath}");
            documented.UnionWith(XDocument.Load(xmlPath).Descendants("member").Select(m => (string?)m.Attribute("name")));
        }

        string[] undocumented = PublicTypes
            .Where(t => !documented.Contains("T:" + t.FullName!.Replace('+', '.')))
            .Select(t => t.FullName!)
            .ToArray();

        Assert.That(undocumented, Is.Empty);
    }

    private static bool IsTaskLike(Type type) =>
        type == typeof(Task) || type == typeof(ValueTask)
        || type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Task<>) || type.GetGenericTypeDefinition() == typeof(ValueTask<>));
}
