"""`python -m workbook` in, the command line out."""
from .cli import main

main()
