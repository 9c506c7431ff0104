DROP DATABASE babynest_old;
