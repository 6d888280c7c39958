using Scheduler.Tests.Support;

namespace Scheduler.Tests.Coroutines;

/// <summary>
/// Return values: <see cref="Routine.Return{T}(T)"/> (Python's <c>return x</c> in a generator),
/// <see cref="Routine.Call{T}(IEnumerator)"/> (<c>x = yield from child()</c>), typed and untyped results on the
/// handle, and the clear errors when a value is missing, of the wrong type, or read at the wrong time.
/// </summary>
public class ResultTests
{
    [Test]
    public void Return_EndsRoutineWithValue_SkipsCodeAfterItAndRunsFinallyInSameStep()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine<int> coroutine = loop.Spawn<int>(Body(), "answer");

        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("body@1 return@2 finally@2"));
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(coroutine.Result, Is.EqualTo(42));
            Assert.That(coroutine.Steps, Is.EqualTo(2), "Routine.Return ends the step it is yielded in; it adds none");
            Assert.That(steps, Is.EqualTo(2));
        });

        IEnumerator Body()
        {
            try
            {
                trace.Add($"body@{loop.StepCount}");
                yield return null;
                trace.Add($"return@{loop.StepCount}");
                yield return Routine.Return(42);
                trace.Add("after-return");
                yield return null;
                trace.Add("after-return-2");
            }
            finally
            {
                trace.Add($"finally@{loop.StepCount}");
            }
        }
    }

    [Test]
    public void Call_ChildReturnsValue_ParentReadsItInTheStepTheChildEnds()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine coroutine = loop.Spawn(Parent(), "parent");

        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo(
                "has-result-before:False add@1 add-finally@2 sum=5@2 hello=hello-world@2"));
            Assert.That(steps, Is.EqualTo(2), "one yield in all (in Add): two steps");
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(coroutine.Result, Is.Null, "the parent itself returned no value");
        });

        IEnumerator Parent()
        {
            RoutineCall<int> sum = Routine.Call<int>(Add(2, 3));
            trace.Add($"has-result-before:{sum.HasResult}");
            yield return sum;
            trace.Add($"sum={sum.Result}@{loop.StepCount}");
            RoutineCall<string> hello = Routine.Call<string>(Concat("hello", "world"));
            yield return hello;
            trace.Add($"hello={hello.Result}@{loop.StepCount}");
        }

        IEnumerator Add(int a, int b)
        {
            try
            {
                trace.Add($"add@{loop.StepCount}");
                yield return null;
                yield return Routine.Return(a + b);
                trace.Add("add-after-return");
            }
            finally
            {
                trace.Add($"add-finally@{loop.StepCount}");
            }
        }

        static IEnumerator Concat(string a, string b)
        {
            yield return Routine.Return($"{a}-{b}");
        }
    }

    [Test]
    public void Call_NestedCalls_HandValuesUpEachLevel()
    {
        using var loop = new EventLoop(new VirtualClock());

        int result = loop.RunUntilComplete<int>(Fib(10), "fib");

        Assert.That(result, Is.EqualTo(55));

        static IEnumerator Fib(int n)
        {
            if (n < 2)
            {
                yield return Routine.Return(n);
                yield break;
            }

            RoutineCall<int> a = Routine.Call<int>(Fib(n - 1));
            yield return a;
            RoutineCall<int> b = Routine.Call<int>(Fib(n - 2));
            yield return b;
            yield return Routine.Return(a.Result + b.Result);
        }
    }

    [Test]
    public void Result_TypedAndUntypedHandles_ReadTheSameValue()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine<int> typed = loop.Spawn<int>(Returns<int>(7), "typed");
        Coroutine untyped = loop.Spawn(Returns("text"), "untyped");
        Coroutine none = loop.Spawn(NoValue(), "none");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(typed.Result, Is.EqualTo(7));
            Assert.That(((Coroutine)typed).Result, Is.TypeOf<int>().And.EqualTo(7), "the untyped Result is the boxed value");
            Assert.That(untyped.Result, Is.EqualTo("text"));
            Assert.That(none.Result, Is.Null, "an untyped coroutine that returns nothing has a null result");
            Assert.That(string.Join(" ", new[] { typed.Steps, untyped.Steps, none.Steps }), Is.EqualTo("2 2 2"));
        });
    }

    [Test]
    public void Result_JoinerOfTypedCoroutine_ReadsItsValueAfterResuming()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine<int> worker = loop.Spawn<int>(Returns<int>(99), "worker");
        Coroutine joiner = loop.Spawn(Joiner(), "joiner");

        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            // worker ends in round 2; the joiner, woken during round 2, resumes in round 3.
            Assert.That(trace.ToString(), Is.EqualTo("join@1 result=99@3"));
            Assert.That(joiner.Steps, Is.EqualTo(2));
            Assert.That(worker.Steps, Is.EqualTo(2));
            Assert.That(steps, Is.EqualTo(4));
        });

        IEnumerator Joiner()
        {
            trace.Add($"join@{loop.TickCount}");
            yield return worker;
            trace.Add($"result={worker.Result}@{loop.TickCount}");
        }
    }

    [Test]
    public void RunUntilComplete_TypedRoutine_ReturnsItsValue()
    {
        using var loop = new EventLoop(new VirtualClock());

        string value = loop.RunUntilComplete<string>(Slow(), "slow");

        Assert.Multiple(() =>
        {
            Assert.That(value, Is.EqualTo("done"));
            Assert.That(loop.StepCount, Is.EqualTo(2));
            Assert.That(loop.TickCount, Is.EqualTo(4), "Ticks(3) yielded in round 1 resumes in round 4");
        });

        static IEnumerator Slow()
        {
            yield return Wait.Ticks(3);
            yield return Routine.Return("done");
        }
    }

    [Test]
    public void RunUntilComplete_TypedCoroutine_ReturnsItsValue()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine<long> coroutine = loop.Spawn<long>(Returns(5_000_000_000L), "big");

        long value = loop.RunUntilComplete(coroutine);

        Assert.That(value, Is.EqualTo(5_000_000_000L));
    }

    [Test]
    public void RunUntilComplete_TypedRoutineEndsWithoutValue_ThrowsInvalidOperationException()
    {
        using var loop = new EventLoop(new VirtualClock());

        Assert.That(
            () => loop.RunUntilComplete<int>(NoValue(), "typed"),
            Throws.InvalidOperationException.With.Message.Contain("'typed'").And.Message.Contain("Int32"));
        Assert.That(loop.StepCount, Is.EqualTo(2));
    }

    [Test]
    public void SpawnTyped_RoutineEndsWithoutValue_FaultsNamingCoroutineAndType()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine<int> coroutine = loop.Spawn<int>(NoValue(), "counter");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(coroutine.Steps, Is.EqualTo(2));
            Assert.That(coroutine.Exception, Is.TypeOf<InvalidOperationException>());
            Assert.That(coroutine.Exception!.Message, Does.Contain("'counter'"));
            Assert.That(coroutine.Exception.Message, Does.Contain("Int32"));
            Assert.That(coroutine.Exception.Message, Does.Contain("without a value"));
            Assert.That(() => coroutine.Result, Throws.Exception.SameAs(coroutine.Exception));
        });
    }

    [Test]
    public void SpawnTyped_RoutineReturnsWrongType_FaultsNamingCoroutineAndBothTypes()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine<int> coroutine = loop.Spawn<int>(Returns("seven"), "counter");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(coroutine.Exception, Is.TypeOf<InvalidOperationException>());
            Assert.That(coroutine.Exception!.Message, Does.Contain("'counter'"));
            Assert.That(coroutine.Exception.Message, Does.Contain("String"));
            Assert.That(coroutine.Exception.Message, Does.Contain("Int32"));
        });
    }

    [Test]
    public void SpawnTyped_UnnamedRoutineEndsWithoutValue_FaultNamesTheRoutine()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine<int> coroutine = loop.Spawn<int>(NoValue());

        loop.RunUntilIdle();

        Assert.That(coroutine.Exception?.Message, Does.Contain($"#{coroutine.Id}").And.Contain(nameof(NoValue)));
    }

    [Test]
    public void Call_ChildEndsWithoutValue_FaultsParentNamingChildAndType()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine coroutine = loop.Spawn(Parent(), "parent");

        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(steps, Is.EqualTo(2));
            Assert.That(trace.ToString(), Is.EqualTo("parent-finally@2"), "the parent does not resume, but its finally runs");
            Assert.That(coroutine.Exception, Is.TypeOf<InvalidOperationException>());
            Assert.That(coroutine.Exception!.Message, Does.Contain(nameof(NoValue)));
            Assert.That(coroutine.Exception.Message, Does.Contain("Int32"));
            Assert.That(coroutine.Exception.Message, Does.Contain("without a value"));
        });

        IEnumerator Parent()
        {
            try
            {
                RoutineCall<int> call = Routine.Call<int>(NoValue());
                yield return call;
                trace.Add($"parent-resumes:{call.Result}");
            }
            finally
            {
                trace.Add($"parent-finally@{loop.StepCount}");
            }
        }
    }

    [Test]
    public void Call_LocalFunctionChildEndsWithoutValue_MessageNamesTheLocalFunction()
    {
        // Routines are usually local functions; their compiler type is named like <<Outer>g__Local|3_0>d.
        using var loop = new EventLoop(new VirtualClock());
        Coroutine parent = loop.Spawn(Parent(), "parent");
        Coroutine<int> typed = loop.Spawn<int>(LocalNoValue());

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(parent.Exception?.Message, Does.StartWith($"{nameof(LocalNoValue)} ended without a value"));
            Assert.That(typed.Exception?.Message, Does.StartWith($"coroutine #{typed.Id} ({nameof(LocalNoValue)}) ended without a value"));
        });

        IEnumerator Parent()
        {
            yield return Routine.Call<int>(LocalNoValue());
        }

        static IEnumerator LocalNoValue()
        {
            yield return null;
        }
    }

    [Test]
    public void Call_ChildReturnsWrongType_FaultsParentNamingBothTypes()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine coroutine = loop.Spawn(Parent(), "parent");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(coroutine.Exception, Is.TypeOf<InvalidOperationException>());
            Assert.That(coroutine.Exception!.Message, Does.Contain("String").And.Contain("Int32"));
        });

        static IEnumerator Parent()
        {
            yield return Routine.Call<int>(Returns("seven"));
        }
    }

    [Test]
    public void Result_BeforeCompletion_ThrowsInvalidOperationException()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine<int> typed = loop.Spawn<int>(Returns<int>(1), "typed");
        Coroutine untyped = loop.Spawn(Returns<int>(1), "untyped");

        Assert.Multiple(() =>
        {
            Assert.That(() => typed.Result, Throws.InvalidOperationException.With.Message.Contain("'typed'"));
            Assert.That(() => untyped.Result, Throws.InvalidOperationException.With.Message.Contain("'untyped'"));
        });

        loop.Tick(); // both yielded once: ready again, not ended

        Assert.Multiple(() =>
        {
            Assert.That(typed.State, Is.EqualTo(CoroutineState.Ready));
            Assert.That(() => typed.Result, Throws.InvalidOperationException);
            Assert.That(() => untyped.Result, Throws.InvalidOperationException);
        });

        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(typed.Result, Is.EqualTo(1));
            Assert.That(untyped.Result, Is.EqualTo(1));
        });
    }

    [Test]
    public void Result_WhileWaiting_ThrowsInvalidOperationException()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine<int> coroutine = loop.Spawn<int>(Sleeper(), "sleeper");

        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Waiting));
            Assert.That(() => coroutine.Result, Throws.InvalidOperationException);
            Assert.That(() => ((Coroutine)coroutine).Result, Throws.InvalidOperationException);
        });

        static IEnumerator Sleeper()
        {
            yield return Wait.Ticks(5);
            yield return Routine.Return(1);
        }
    }

    [Test]
    public void Result_OfFaultedCoroutine_RethrowsTheSameExceptionInstance()
    {
        var boom = new InvalidOperationException("boom");
        using var loop = new EventLoop(new VirtualClock());
        Coroutine<int> typed = loop.Spawn<int>(Fails(boom), "typed");
        var other = new ArgumentException("bad");
        Coroutine untyped = loop.Spawn(Fails(other), "untyped");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(typed.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(typed.Exception, Is.SameAs(boom));
            Assert.That(Assert.Throws<InvalidOperationException>(() => _ = typed.Result), Is.SameAs(boom));
            Assert.That(Assert.Throws<InvalidOperationException>(() => _ = ((Coroutine)typed).Result), Is.SameAs(boom));
            Assert.That(Assert.Throws<ArgumentException>(() => _ = untyped.Result), Is.SameAs(other));
            Assert.That(Assert.Throws<InvalidOperationException>(() => loop.RunUntilComplete(typed)), Is.SameAs(boom));
        });

        static IEnumerator Fails(Exception exception)
        {
            yield return null;
            throw exception;
        }
    }

    [Test]
    public void Result_OfCanceledCoroutine_ThrowsOperationCanceledException()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine<int> typed = loop.Spawn<int>(Returns<int>(1), "typed");
        Coroutine untyped = loop.Spawn(Returns<int>(1), "untyped");

        loop.Tick();
        Assert.Multiple(() =>
        {
            Assert.That(typed.Cancel(), Is.True);
            Assert.That(untyped.Cancel(), Is.True);
        });
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(typed.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(untyped.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(typed.Steps, Is.EqualTo(2), "the disposal turn counts as a step");
            Assert.Throws<OperationCanceledException>(() => _ = typed.Result);
            Assert.Throws<OperationCanceledException>(() => _ = ((Coroutine)typed).Result);
            Assert.Throws<OperationCanceledException>(() => _ = untyped.Result);
        });
    }

    [Test]
    public void Call_YieldedTwice_FaultsWithClearMessage()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine coroutine = loop.Spawn(Parent(), "parent");

        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("first=3@1"));
            Assert.That(steps, Is.EqualTo(1));
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(coroutine.Exception, Is.TypeOf<InvalidOperationException>());
            Assert.That(coroutine.Exception!.Message, Does.Contain("yielded twice"));
            Assert.That(coroutine.Exception.Message, Does.Contain(nameof(Returns)));
        });

        IEnumerator Parent()
        {
            RoutineCall<int> call = Routine.Call<int>(Returns<int>(3, yields: 0));
            yield return call;
            trace.Add($"first={call.Result}@{loop.StepCount}");
            yield return call;
            trace.Add("second");
        }
    }

    [Test]
    public void CallResult_BeforeTheCallEnds_ThrowsInvalidOperationException()
    {
        RoutineCall<int> call = Routine.Call<int>(Returns<int>(1));

        Assert.Multiple(() =>
        {
            Assert.That(call.HasResult, Is.False);
            Assert.That(() => call.Result, Throws.InvalidOperationException.With.Message.Contain(nameof(Returns)));
        });
    }

    [Test]
    public void WaitAllAndAny_GivenRoutineReturnOrCall_ThrowArgumentException()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => Wait.All(Wait.NextTick, Routine.Return(1)), Throws.ArgumentException);
            Assert.That(() => Wait.Any(Routine.Return("x")), Throws.ArgumentException);
            Assert.That(() => Wait.All(Routine.Call<int>(Returns<int>(1))), Throws.ArgumentException);
            Assert.That(() => Wait.Any(Wait.NextTick, Routine.Call<int>(Returns<int>(1))), Throws.ArgumentException);
        });
    }

    /// <summary>Yields <paramref name="yields"/> times, then returns <paramref name="value"/>.</summary>
    private static IEnumerator Returns<T>(T value, int yields = 1)
    {
        for (int i = 0; i < yields; i++)
        {
            yield return null;
        }

        yield return Routine.Return(value);
    }

    /// <summary>Yields once and ends without a value.</summary>
    private static IEnumerator NoValue()
    {
        yield return null;
    }
}
