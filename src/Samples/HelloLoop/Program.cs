Console.WriteLine("sample: placeholder until the sample lands");
