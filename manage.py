#!/usr/bin/env python
from wushe.cli import main

if __name__ == "__main__":
    main()
