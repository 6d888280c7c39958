using System.Reflection;
using System.Text;

namespace Scheduler.Tests.PublicApi;

/// <summary>
/// The public surface of each shipped assembly (the library, its hosting package and its test kit), rendered with
/// reflection and compared with its approved file, e.g. Scheduler.approved.txt (the approval-test habit of
/// Serilog; PublicApiAnalyzers is not available here). A change to the public API fails this test until the
/// approved file is updated in the same commit, so every API change is reviewed on purpose. To accept a change:
/// run the tests with SCHEDULER_APPROVE_API=1, then review the diff of the approved file.
/// </summary>
public class PublicApiTests
{
    /// <summary>The assemblies users reference.</summary>
    internal static readonly Assembly[] s_shipped =
    [
        typeof(EventLoop).Assembly,
        typeof(Scheduler.Hosting.EventLoopHostOptions).Assembly,
        typeof(Scheduler.Testing.LoopTest).Assembly,
    ];

    public static IEnumerable<TestCaseData> Shipped() =>
        s_shipped.Select(a => new TestCaseData(a.GetName().Name!).SetArgDisplayNames(a.GetName().Name!));

    [TestCaseSource(nameof(Shipped))]
    public void PublicApi_MatchesApprovedSnapshot(string assemblyName)
    {
        Assembly assembly = s_shipped.Single(a => a.GetName().Name == assemblyName);
        string approvedFile = assemblyName + ".approved.txt";
        string actual = Render(assembly);
        string approvedPath = Path.Combine(RepositoryRoot(), "tests", "Scheduler.Tests", "PublicApi", approvedFile);
        if (Environment.GetEnvironmentVariable("SCHEDULER_APPROVE_API") == "1")
        {
            File.WriteAllText(approvedPath, actual);
        }

        string approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath) : "";
        Assert.That(
            actual,
            Is.EqualTo(approved),
            $"The public API of {assemblyName} changed. If that is intended, run the tests with SCHEDULER_APPROVE_API=1 and commit {approvedFile}.");
    }

    internal static IEnumerable<Type> PublicTypes(Assembly assembly) =>
        assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal);

    private static string Render(Assembly assembly)
    {
        var text = new StringBuilder();
        foreach (Type type in PublicTypes(assembly))
        {
            text.Append(Kind(type)).Append(' ').Append(Name(type));
            var bases = new List<string>();
            if (type.BaseType is { } baseType && baseType != typeof(object) && baseType != typeof(ValueType) && baseType != typeof(Enum))
            {
                bases.Add(Name(baseType));
            }

            bases.AddRange(type.GetInterfaces().Where(i => i.IsPublic).Select(Name).Order(StringComparer.Ordinal));
            if (bases.Count > 0)
            {
                text.Append(" : ").Append(string.Join(", ", bases));
            }

            text.Append('\n');
            foreach (string member in Members(type).Order(StringComparer.Ordinal))
            {
                text.Append("    ").Append(member).Append('\n');
            }
        }

        return text.ToString();
    }

    private static IEnumerable<string> Members(Type type)
    {
        const BindingFlags Flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        if (type.IsEnum)
        {
            foreach (string name in Enum.GetNames(type))
            {
                yield return $"{name} = {Convert.ToInt64(Enum.Parse(type, name), System.Globalization.CultureInfo.InvariantCulture)}";
            }

            yield break;
        }

        foreach (MemberInfo member in type.GetMembers(Flags))
        {
            string? rendered = member switch
            {
                ConstructorInfo c when Visible(c) => $"{Access(c)}ctor({Parameters(c)})",
                MethodInfo m when Visible(m) && !m.IsSpecialName => $"{Access(m)}{Static(m)}{Name(m.ReturnType)} {m.Name}{GenericArguments(m)}({Parameters(m)})",
                PropertyInfo p when Accessors(p).Any(Visible) => $"{Access(Accessors(p).First(Visible))}{Name(p.PropertyType)} {p.Name} {{ {string.Join(" ", Accessors(p).Where(Visible).Select(a => a == p.GetMethod ? "get;" : "set;"))} }}",
                EventInfo e when e.AddMethod is { } add && Visible(add) => $"{Access(add)}event {Name(e.EventHandlerType!)} {e.Name}",
                FieldInfo f when f.IsPublic || f.IsFamily => $"{(f.IsPublic ? "public " : "protected ")}{(f.IsStatic ? "static " : "")}{(f.IsInitOnly ? "readonly " : "")}{Name(f.FieldType)} {f.Name}",
                _ => null,
            };
            if (rendered is not null)
            {
                yield return rendered;
            }
        }
    }

    private static IEnumerable<MethodInfo> Accessors(PropertyInfo property) =>
        new[] { property.GetMethod, property.SetMethod }.OfType<MethodInfo>();

    private static bool Visible(MethodBase method) => method.IsPublic || method.IsFamily || method.IsFamilyOrAssembly;

    private static string Access(MethodBase method) => method.IsPublic ? "public " : "protected ";

    private static string Static(MethodBase method) => method.IsStatic ? "static " : method.IsAbstract ? "abstract " : method.IsVirtual && !method.IsFinal ? "virtual " : "";

    private static string Kind(Type type) =>
        type.IsEnum ? "enum"
        : type.IsInterface ? "interface"
        : type.IsValueType ? "struct"
        : type.IsAbstract && type.IsSealed ? "static class"
        : type.IsAbstract ? "abstract class"
        : type.IsSealed ? "sealed class"
        : "class";

    private static string GenericArguments(MethodInfo method) =>
        method.IsGenericMethodDefinition ? $"<{string.Join(", ", method.GetGenericArguments().Select(a => a.Name))}>" : "";

    private static string Parameters(MethodBase method) =>
        string.Join(", ", method.GetParameters().Select(p =>
            $"{(p.IsOut ? "out " : p.ParameterType.IsByRef ? "ref " : "")}{(p.GetCustomAttribute<ParamArrayAttribute>() is null ? "" : "params ")}{Name(p.ParameterType)} {p.Name}{(p.HasDefaultValue ? $" = {p.DefaultValue ?? "null"}" : "")}"));

    private static string Name(Type type)
    {
        if (type.IsByRef)
        {
            return Name(type.GetElementType()!);
        }

        if (type.IsArray)
        {
            return Name(type.GetElementType()!) + "[]";
        }

        if (type.IsGenericParameter)
        {
            return type.Name;
        }

        string name = type.IsNested ? $"{Name(type.DeclaringType!)}.{type.Name}" : $"{type.Namespace}.{type.Name}";
        if (!type.IsGenericType)
        {
            return name;
        }

        return $"{name[..name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(Name))}>";
    }

    internal static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Scheduler.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Scheduler.sln not found above the test directory.");
    }
}
