mod simulate;
